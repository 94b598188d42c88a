"""What `status`, `households` and `flags` print: the laptop's state in a few plain lines."""

from __future__ import annotations

from typing import Any

from sync_agent import photo_outbox
from sync_agent.store import Store


def terminal_line(line: str) -> None:
    """Sync progress on one terminal line (stderr), rewritten in place."""
    import click

    click.echo("\r\x1b[K" + line[:150], nl=False, err=True)


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def status_data(store: Store) -> dict[str, Any]:
    counts = store.counts()
    photos = photo_outbox.counts(store)
    last = store.last_sync()
    last_ok = store.last_sync(ok_only=True)
    return {
        "device_id": store.get("device_id"),
        "server": store.get("server_url"),
        "user": store.get("user_name"),
        "households": store.assigned_count(),
        "pending": counts["pending"] + counts["sent"],
        "acknowledged": counts["acknowledged"],
        "rejected": counts["rejected"],
        "replaced": counts["replaced"],
        "open_flags": len(store.open_flags()),
        "photos_waiting": photos["waiting"],
        "photos_waiting_bytes": photos["waiting_bytes"],
        "photos_refused": photos["refused"],
        "last_sync": None if last is None else {
            "action": last["action"], "at": last["finished_at"], "ok": bool(last["ok"]),
            "message": last["reason"],
        },
        "last_success_at": last_ok["finished_at"] if last_ok else None,
    }


def status_text(data: dict[str, Any]) -> str:
    last = data["last_sync"]
    if last is None:
        last_line = "never"
    else:
        outcome = "ok" if last["ok"] else f"FAILED: {last['message']}"
        last_line = f"{last['at']} {last['action']} {outcome}"
    user = f" ({data['user']})" if data["user"] else ""
    return "\n".join([
        f"device        {data['device_id']}{user}",
        f"server        {data['server']}",
        f"households    {data['households']} assigned",
        f"waiting       {data['pending']} visit(s) not yet acknowledged (Belum Terkirim)",
        f"acknowledged  {data['acknowledged']} (Terkirim)",
        f"rejected      {data['rejected']} to correct (Ditolak Server)",
        f"open flags    {data['open_flags']} (Temuan)",
        f"photos        {data['photos_waiting']} waiting to upload "
        f"({_size(data['photos_waiting_bytes'])})"
        + (f", {data['photos_refused']} refused by the server" if data["photos_refused"] else ""),
        f"last sync     {last_line}",
        f"last success  {data['last_success_at'] or 'never'}",
    ])


def households_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no households yet: run `verivali-agent pull`"
    lines = ["household\tvillage\tversion\tverification\tlocal visit\thead\taddress"]
    for row in rows:
        lines.append(
            f"{row['household_id']}\t{row['region_code']}\tv{row['version']}\t"
            f"{row['verification'].get('state', 'unverified')}\t{row['local_state'] or '-'}\t"
            f"{row['head_name'] or '-'}\t{row['address'] or '-'}"
        )
    return "\n".join(lines)


def flags_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no open flags"
    return "\n".join(
        f"{flag.get('household_id')}\t{flag.get('rule')}\t{flag.get('severity')}\t"
        f"{flag.get('status')}\t{flag.get('path') or '-'}\t{flag.get('message') or ''}"
        + (f"\n\trevisit requested: {flag.get('resolution_note') or '(no note)'}"
           if flag.get("status") == "revisit" else "")
        for flag in rows
    )
