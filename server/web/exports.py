"""stub"""
from flask import Blueprint

bp = Blueprint("exports", __name__)


@bp.get("/exports")
def index():  # type: ignore[no-untyped-def]
    return "todo"
