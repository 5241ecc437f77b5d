"""`kg serve`: the one-time checks in this process, then the API in it, or in N uvicorn worker processes that
share the port (kg/cli/workers.py) and sum their /metrics through prometheus_client's multiprocess files."""
from __future__ import annotations

import logging
import os
import tempfile

from kg.console import error, fail
from kg.settings import env_name
from kg.settings import settings as env_settings

WORKER_HEALTHCHECK_S = 60  # how long a worker may leave the supervisor's ping unanswered before it counts as hung


def serve(host: str, port: int, workers: int, open_access: bool) -> None:
    """Check once (exposure, the persisted queries, Neo4j, the SPARQL store, GraphiQL's files), then serve until
    SIGINT or SIGTERM."""
    import uvicorn

    from kg.cli import sparql
    from kg.cli.access import check_exposure

    if workers < 1:
        raise fail(f"--workers must be 1 or more, not {workers}")
    check_exposure(host, env_settings().api_key, open_access)

    from api import persisted
    from api.graphiql import missing
    from kg.store.connection import driver

    persisted.store()  # a bad allowlist file: one line now, not a traceback in each worker
    driver().close()  # fail now, in one line, when Neo4j cannot be reached
    sparql.ensure()
    if gone := missing():
        error(f"GraphiQL will not load in a browser (its files are missing or altered: {', '.join(gone)}); "
              "POST /graphql still works")
    if workers == 1:
        from api.serve import create

        # kg's log lines (KG_LOG_FORMAT), no access log
        uvicorn.run(create(host), host=host, port=port, access_log=False, log_config=None)
        return
    from api.ops import logs
    from api.serve import FACTORY
    from kg.cli.workers import Spread, listen

    conf = env_settings()
    logs.configure(conf.log_format, conf.log_level)  # the supervisor's lines, as the workers' are
    # uvicorn kills a worker whose ping thread has not answered in 5 s; on a busy host that is a healthy worker
    # waiting for the GIL (seen in tests beside a benchmark), so kg waits a minute before calling one hung.
    config = uvicorn.Config(FACTORY, factory=True, workers=workers, host=host, port=port, access_log=False,
                            log_config=None, timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
    sockets = listen(host, port, workers, config.backlog)
    # Workers start from a fresh folder of metric files: /metrics counts this server's requests, none older.
    try:
        with tempfile.TemporaryDirectory(prefix="kg-metrics-") as shared:
            os.environ[env_name("metrics_dir")] = shared
            os.environ[env_name("serve_bind")] = host
            logging.getLogger("uvicorn.error").info(f"Uvicorn running on http://{host}:{port} with {workers} "
                                                    "workers (Press CTRL+C to quit)")
            Spread(config, sockets).run()
    finally:
        for sock in sockets:
            sock.close()
