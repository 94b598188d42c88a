"""stub"""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():  # type: ignore[no-untyped-def]
    return "todo"
