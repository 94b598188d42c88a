"""Every flag rule, its severity, and what accepting it does (docs/protocol.md §2).

One table, so the push handler, the scan command and the supervisor pages agree.

| rule                     | severity | raised by       | accept changes the registry      |
| ------------------------ | -------- | --------------- | -------------------------------- |
| `FIELD_CHANGED`          | warning  | merge           | yes: the field value at the path |
| `MEMBER_ADDED`           | warning  | merge           | yes: adds the member             |
| `MEMBER_REMOVED`         | warning  | merge           | yes: marks or removes the member |
| `CONFLICT`               | error    | merge           | yes: the field value wins        |
| `HOUSEHOLD_NOT_FOUND`    | warning  | engine          | no (the decision is recorded)    |
| `NEW_HOUSEHOLD`          | info     | engine          | yes: adds the household          |
| `NIK_INVALID`            | error    | rule (registry) | no                               |
| `NIK_MISMATCH`           | warning  | rule (registry) | no                               |
| `NIK_DUPLICATE`          | error    | rule (registry) | no                               |
| `KK_INVALID`             | error    | rule (registry) | no                               |
| `HEAD_MISSING`           | error    | rule (registry) | no                               |
| `DECEASED_RECEIVING_AID` | error    | rule (registry) | no                               |
| `GRADUATION_DUE`         | info     | rule (registry) | no                               |
| `INELIGIBLE_DESIL`       | warning  | rule (registry) | no                               |
| `REGION_UNKNOWN`         | warning  | rule (registry) | no                               |

Data-quality findings are acknowledged on accept, never written: their `field_value`
is the value that was examined, and writing it back would undo nothing or, worse,
store an invalid NIK. The correction itself arrives as a survey or an import.
Severity `error` means the data cannot be trusted for a payment decision as it stands;
`warning` a likely discrepancy to look at; `info` a note for planning.
This package imports nothing of ours, so every other module may import it.
"""

from __future__ import annotations

SEVERITY: dict[str, str] = {
    "FIELD_CHANGED": "warning",
    "MEMBER_ADDED": "warning",
    "MEMBER_REMOVED": "warning",
    "CONFLICT": "error",
    "HOUSEHOLD_NOT_FOUND": "warning",
    "NEW_HOUSEHOLD": "info",
    "NIK_INVALID": "error",
    "NIK_MISMATCH": "warning",
    "NIK_DUPLICATE": "error",
    "KK_INVALID": "error",
    "HEAD_MISSING": "error",
    "DECEASED_RECEIVING_AID": "error",
    "GRADUATION_DUE": "info",
    "INELIGIBLE_DESIL": "warning",
    "REGION_UNKNOWN": "warning",
}

# Observations of a place by the field: comparable with one another (CONFLICT).
OBSERVATION_RULES = frozenset({"FIELD_CHANGED", "MEMBER_ADDED", "MEMBER_REMOVED", "CONFLICT"})

# Accepting one of these writes its field value into the registry (a new version).
APPLICABLE_RULES = OBSERVATION_RULES | {"NEW_HOUSEHOLD"}

# A survey raising any of these did not confirm the registry: its state is not `verified`.
UNVERIFIED_RULES = OBSERVATION_RULES | {"HOUSEHOLD_NOT_FOUND", "NEW_HOUSEHOLD"}

# Data-quality rules that run over any stored household, with or without a survey.
REGISTRY_LEVEL_RULES = (
    "NIK_INVALID", "NIK_MISMATCH", "NIK_DUPLICATE", "KK_INVALID", "HEAD_MISSING",
    "DECEASED_RECEIVING_AID", "GRADUATION_DUE", "INELIGIBLE_DESIL", "REGION_UNKNOWN",
)
