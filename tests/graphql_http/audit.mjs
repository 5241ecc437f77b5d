// Runs graphql-http's GraphQL-over-HTTP server audits against a URL and prints one JSON object:
// {"ok": n, "warn": [...], "error": [...]}. Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await Promise.all(serverAudits({ url }).map((audit) => audit.fn()));
const pick = (status) => results.filter((r) => r.status === status).map((r) => ({ id: r.id, name: r.name, reason: r.reason }));
console.log(JSON.stringify({ ok: results.filter((r) => r.status === 'ok').length, warn: pick('warn'), error: pick('error') }));
