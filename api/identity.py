"""Node identity: a node's IRI (the one the RDF export and /resource give it) and finding nodes by id
whatever their type. Ids are the graph's keys; `Type:key` names one type when a key is shared."""
from __future__ import annotations

from functools import lru_cache

from api.errors import UserError
from kg.rdf.vocab import TYPES, Iris, base_iri

NODE_LABELS = tuple(TYPES)  # every label with a resource IRI, in the model's order


@lru_cache(maxsize=4)
def _iris(base: str) -> Iris:
    return Iris(base)


def iri(label: str, node_id: str) -> str:
    """The IRI of the `label` node with key `node_id`: `{KG_BASE_IRI}/resource/{type}/{id}`, as exported."""
    return _iris(base_iri()).resource(TYPES[label], node_id).value


def split_typed(value: str) -> tuple[str | None, str]:
    """(label, key) of a `Type:key` id, or (None, value) for a plain key."""
    head, sep, rest = value.partition(":")
    return (head, rest) if sep and head in TYPES and rest else (None, value)


# Rows {key, items: [{label, item}]}: the nodes of any label whose key is `key`, one index seek per label.
ANY_BY_ID = "UNWIND $keys AS key CALL (key) {\n" + "\n  UNION ALL\n".join(
    f"  MATCH (n:{label} {{id: key}}) RETURN {{label: '{label}', item: n {{.*}}}} AS found"
    for label in NODE_LABELS) + "\n}\nRETURN key, collect(found) AS items"


def one_of(value: str, found: list[dict[str, object]]) -> dict[str, object] | None:
    """The one match of a plain key ({label, item}); a key two types share is a UserError."""
    if len(found) > 1:
        labels = " and ".join(str(f["label"]) for f in found)
        raise UserError(f"id {value!r} names a node of each of {labels}: give it as Type:id, e.g. "
                        f"{found[0]['label']}:{value}")
    return found[0] if found else None
