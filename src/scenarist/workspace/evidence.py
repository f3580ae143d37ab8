"""Adding one evidence item to the store from a form: the item is checked exactly as a line of an evidence file
would be (:func:`scenarist.evidence.load_evidence` against the model), then stored in one transaction."""

from __future__ import annotations

from typing import Any

from ..model import Model


def add_item(db: Any, model: Model, item: dict, replace: bool = False):
    """Check one evidence item (plain data in the evidence file format) against ``model`` and store it.

    Parameters
    ----------
    db : str, path or EvidenceStore
        The store (an open :class:`~scenarist.evidence.store.EvidenceStore` is used as it is).
    model : Model
        The model the item bears on; its ``metadata.id`` keys the item in the store.
    item : dict
        ``id``, ``date``, ``title``, ``summary``, ``source`` (outlet, accessed, ...), ``grade`` (reliability A–F,
        credibility 1–6), ``status``, ``bearing`` (kind and its fields); see ``docs/evidence.md``.
    replace : bool
        Replace an item stored under the same id with different content (an edit); default refuse.

    Returns
    -------
    ImportResult

    Raises
    ------
    ModelError
        The item does not pass the evidence file's checks; fields are named ``items[0].grade.reliability`` etc.
    StoreError
        The id is stored with other content and ``replace`` is false; the store refuses the write.
    """
    from ..evidence.files import load_evidence
    from ..evidence.store import EvidenceStore
    from ..io.yaml_text import dump_yaml

    text = dump_yaml({"format": "scenarist-evidence/1", "model": model.metadata.id, "items": [item]})
    ev = load_evidence("<form>.yaml", model, text=text)
    store = db if isinstance(db, EvidenceStore) else EvidenceStore(db)
    try:
        return store.import_evidence(ev, model.metadata.id, replace=replace, origin="workspace")
    finally:
        if store is not db:
            store.close()
