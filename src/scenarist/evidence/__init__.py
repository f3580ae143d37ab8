"""Evidence: graded, dated items that update a model's priors and outcome, their store, and the timeline replay.

See ``docs/evidence.md`` for the file format, the Admiralty tempering rule, clustering and the replay.
"""

from .bayes import (
    EvidenceState,
    apply_indicator,
    bayes_update,
    counted_items,
    evidence_state,
    item_weight,
    model_priors,
)
from .files import dump_csv, dump_evidence, load_evidence, save_evidence
from .grading import CREDIBILITY_WEIGHT, RELIABILITY_WEIGHT, grade_weight, temper
from .items import ContradictedClaim, EvidenceFile, EvidenceItem, check_evidence
from .store import EvidenceStore, ImportResult, StoreError, open_store, resolve_db_url
from .workflow import (
    EvidenceCheck,
    EvidenceListing,
    StoreCheck,
    check_file,
    check_store,
    evidence_source,
    import_file,
    list_items,
    model_for,
    stored_evidence,
)

__all__ = [
    "CREDIBILITY_WEIGHT",
    "RELIABILITY_WEIGHT",
    "ContradictedClaim",
    "EvidenceCheck",
    "EvidenceFile",
    "EvidenceItem",
    "EvidenceListing",
    "EvidenceState",
    "EvidenceStore",
    "ImportResult",
    "StoreCheck",
    "StoreError",
    "apply_indicator",
    "bayes_update",
    "check_evidence",
    "check_file",
    "check_store",
    "counted_items",
    "dump_csv",
    "dump_evidence",
    "evidence_source",
    "evidence_state",
    "grade_weight",
    "import_file",
    "item_weight",
    "list_items",
    "load_evidence",
    "model_for",
    "model_priors",
    "open_store",
    "resolve_db_url",
    "save_evidence",
    "stored_evidence",
    "temper",
]
