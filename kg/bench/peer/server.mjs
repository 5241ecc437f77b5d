// @neo4j/graphql over kg's graph, served by Apollo Server: the GraphQL peer `kg bench --only peer` measures.
// NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE: the graph; PORT: where to listen (loopback).
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const env = process.env;
const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
const driver = neo4j.driver(env.NEO4J_URI, neo4j.auth.basic(env.NEO4J_USER, env.NEO4J_PASSWORD));
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
const server = new ApolloServer({ schema });
const sessionConfig = { database: env.NEO4J_DATABASE || "neo4j" };
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(env.PORT) },
  context: async () => ({ sessionConfig }),
});
console.error(`peer: listening on ${url}`);
