"""stub"""
from flask import Blueprint

bp = Blueprint("admin_users", __name__)


@bp.get("/admin_users")
def index():  # type: ignore[no-untyped-def]
    return "todo"
