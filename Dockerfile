# The kg API server; see docker-compose.yml for the stack with Neo4j.
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    # kg reads its schema from here; a non-editable install has no checkout beside it.
    KG_SCHEMA_DIR=/app/schema

COPY pyproject.toml README.md* ./
COPY kg/ kg/
COPY api/ api/
COPY schema/ schema/
RUN pip install --no-cache-dir .

EXPOSE 8000
CMD ["kg", "serve", "--host", "0.0.0.0", "--port", "8000"]
