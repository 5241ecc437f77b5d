# The kg API server; see docker-compose.yml for the stack with Neo4j.
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

COPY pyproject.toml README.md* ./
COPY kg/ kg/
COPY api/ api/
COPY schema/ schema/
COPY docs/ docs/
RUN pip install --no-cache-dir .

EXPOSE 8000
CMD ["kg", "serve", "--host", "0.0.0.0", "--port", "8000"]
