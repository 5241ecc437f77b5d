"""Running the API in production: request tracing, logs, Prometheus metrics, health and readiness.

`api.ops.setup.install` wires it into the app; docs/operations.md is the operator's view.
"""
