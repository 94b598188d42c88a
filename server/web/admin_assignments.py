"""stub"""
from flask import Blueprint

bp = Blueprint("admin_assignments", __name__)


@bp.get("/admin_assignments")
def index():  # type: ignore[no-untyped-def]
    return "todo"
