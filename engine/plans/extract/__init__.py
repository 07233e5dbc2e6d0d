"""Extract a reviewable plan (the YAML `dondoc plan import` reads) from a commune plan document.

    extraction = extract_plan("ke-hoach.pdf", year=None)
    plan_yaml(extraction)   # the draft plan file, with comments for the reviewer
    extraction.to_json()    # {"plan", "tasks", "reports", "review"}
    summary(extraction)     # Vietnamese-first summary

Precision comes first: whatever looks like a task, an assignment or a deadline but cannot be
placed with confidence is listed in `review` with its source lines instead of becoming a task.
"""

from engine.plans.extract.extraction import Extraction
from engine.plans.extract.extractor import extract_plan
from engine.plans.extract.model import ExtractError
from engine.plans.extract.render import plan_yaml, summary

__all__ = ["Extraction", "ExtractError", "extract_plan", "plan_yaml", "summary"]
