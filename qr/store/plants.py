"""The group's plants: each area belongs to one, and through its area each person. Most sites have one plant, the
default one the first start (or the upgrade of an older database) makes."""
import os

from sqlalchemy import func
from sqlmodel import Session, select

from models import Area, Plant
from qr.store.base import Context, _add_config, _authorize, _get, _require_unique, _text, _update_fields, command, query

DEFAULT_PLANT_NAMES = {"name_zh": "本厂", "name_en": "Plant"}


def default_plant_code() -> str:
    """QR_PLANT_CODE names the default plant (the one upgrades put existing areas into), else PLANT."""
    return (os.environ.get("QR_PLANT_CODE") or "PLANT").strip()[:20] or "PLANT"


def _default_plant_id(session: Session) -> int:
    """The plant an area goes to when none is chosen: the first one, made now if there is none yet."""
    first = session.exec(select(Plant.id).order_by(Plant.id).limit(1)).first()
    if first is not None:
        return first
    plant = Plant(code=default_plant_code(), **DEFAULT_PLANT_NAMES)
    session.add(plant)
    session.flush()
    return plant.id


@command
def install_default_plant(*, session: Session, ctx: Context) -> None:
    """The first start's plant (idempotent): the areas made without choosing a plant go to it."""
    _default_plant_id(session)
    session.commit()


@command
def create_plant(*, session: Session, code: str, name_zh: str, name_en: str, actor_id: int | None = None,
                 ctx: Context) -> Plant:
    _authorize(session, actor_id, "configure")      # before any check: a refusal tells nothing of the data
    plant = Plant(code=_text(code, "code", required=True, limit=20),
                  name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                  name_en=_text(name_en, "name_en", required=True, limit=100))
    _require_unique(session, Plant.code, plant.code, "code")
    return _add_config(session, plant, actor_id=actor_id, now=ctx.now, label=f"{plant.code} {plant.name_zh}")


@command
def update_plant(*, session: Session, actor_id: int | None, plant_id: int, name_zh: str, name_en: str,
                 ctx: Context) -> Plant:
    """Rename a plant; its code stays (the URLs' ?plant= and the exports know it by that)."""
    _authorize(session, actor_id, "configure")
    plant = _get(session, Plant, plant_id, "plant")
    _update_fields(session, plant, {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
                                    "name_en": _text(name_en, "name_en", required=True, limit=100)},
                   actor_id=actor_id, now=ctx.now)
    return plant


@query
def plants(*, session: Session) -> list[dict]:
    """Every plant by code, with how many areas it has."""
    counts = dict(session.exec(select(Area.plant_id, func.count()).group_by(Area.plant_id)).all())
    return [{**plant.model_dump(), "areas": counts.get(plant.id, 0)}
            for plant in session.exec(select(Plant).order_by(Plant.code)).all()]
