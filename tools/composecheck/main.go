// composecheck loads a compose file the way `docker compose config` does (compose-go: the Compose
// Specification's schema, interpolation, merging) and prints the resolved model as JSON, or the error
// and exit 1. kg's tests run it on docker-compose.yml, since no Docker engine runs here.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck COMPOSE_FILE...")
		os.Exit(2)
	}
	out, err := resolve(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Print(string(out))
}

// resolve loads the compose files as `docker compose -f FILE... config` would; the model as JSON.
func resolve(files []string) ([]byte, error) {
	options, err := cli.NewProjectOptions(files, cli.WithOsEnv, cli.WithDotEnv)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	return project.MarshalJSON()
}
