"""The contract's closed vocabularies (docs/protocol.md §2).

Kept as tuples so the schemas, the capture form and the supervisor pages offer the
same choices in the same order.
"""

SEX = ("M", "F")
RELATIONSHIP = (
    "head", "spouse", "child", "child_in_law", "grandchild",
    "parent", "parent_in_law", "other_relative", "other",
)
MARITAL_STATUS = ("single", "married", "divorced", "widowed")
EDUCATION = ("none", "sd", "smp", "sma", "diploma", "university")
DISABILITY = ("none", "physical", "sensory", "intellectual", "mental", "multiple")
MEMBER_STATUS = ("alive", "deceased", "moved_out")

OWNERSHIP = ("own", "rent", "rent_free", "official", "other")
FLOOR = ("ceramic", "tile", "wood", "cement", "bamboo", "earth", "other")
WALL = ("brick", "wood", "bamboo", "other")
ROOF = ("concrete", "tile", "zinc", "asbestos", "thatch", "other")
WATER_SOURCE = (
    "piped", "protected_well", "unprotected_well", "spring", "river", "rain", "bottled", "other",
)
LIGHTING = ("pln_meter", "pln_no_meter", "non_pln", "none")
COOKING_FUEL = ("electricity", "lpg", "kerosene", "wood", "charcoal", "other", "none")
TOILET = ("own", "shared", "public", "none")

PROGRAM = ("PKH", "BPNT", "PBI_JK", "BLT")

OUTCOME = ("found", "not_found", "moved", "refused")
PHOTO_KIND = ("house_front", "house_inside", "kk", "other")
PHOTO_CONTENT_TYPE = ("image/jpeg",)
SEVERITY = ("info", "warning", "error")
FLAG_STATUS = ("open", "accepted", "rejected", "revisit", "superseded", "closed")
RULES = (
    "FIELD_CHANGED", "MEMBER_ADDED", "MEMBER_REMOVED", "CONFLICT", "HOUSEHOLD_NOT_FOUND",
    "NIK_INVALID", "NIK_MISMATCH", "NIK_DUPLICATE", "KK_INVALID", "HEAD_MISSING",
    "DECEASED_RECEIVING_AID", "GRADUATION_DUE", "INELIGIBLE_DESIL", "REGION_UNKNOWN",
    "NEW_HOUSEHOLD",
)
RESOLVE_ACTION = ("accept", "reject", "revisit")
ROLE = ("enumerator", "supervisor", "admin")
VERIFICATION_STATE = ("unverified", "verified", "flagged", "not_found")
SURVEY_STATE = ("verified", "flagged", "conflict", "superseded")
PUSH_STATUS = ("accepted", "duplicate", "rejected")
ASSIGNMENT_STATUS = ("open", "revisit", "cancelled")
HISTORY_SOURCE = ("import", "survey", "review")
CHANGE_KIND = ("household", "assignment", "flag")

# Valid first two digits of a NIK or KK number (Kemendagri province codes).
PROVINCE_CODES = frozenset(
    [str(c) for c in range(11, 20)]
    + ["21"]
    + [str(c) for c in range(31, 37)]
    + [str(c) for c in range(51, 54)]
    + [str(c) for c in range(61, 66)]
    + [str(c) for c in range(71, 77)]
    + ["81", "82"]
    + [str(c) for c in range(91, 98)]
)
