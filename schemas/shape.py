"""The household's fields by section, in the contract's order (docs/protocol.md §2).

One list for every module that walks a household (reconciliation, registry files, the
capture form, the demo). Kept free of marshmallow so the pure `server.reconcile` can
import it; `tests/test_schemas.py` pins the schema classes of `schemas.household` to it.
"""

TOP_FIELDS = ("kk_number", "region_code", "address", "desil")
HOUSING_FIELDS = (
    "ownership", "floor_area_m2", "floor", "wall", "roof",
    "water_source", "lighting", "cooking_fuel", "toilet",
)
ASSET_FIELDS = ("motorcycle", "car", "refrigerator", "land_m2")
# A member's fields besides its key `member_id`: those that can differ between versions.
MEMBER_FIELDS = (
    "nik", "name", "sex", "birth_date", "relationship", "marital_status",
    "education", "occupation", "disability", "status",
)
# What an absent member field means: the member schema's load defaults.
MEMBER_DEFAULTS = {"disability": "none", "status": "alive"}
