"""Customers (OEMs and their plants): the table the complaints, response rules, deliveries and PPM hang on."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from models import Customer, CustomerDelivery, Issue
from qr import rules
from qr.audit import Entity
from qr.store.base import (Context, ValidationFailed, _add_config, _audit, _authorize, _frame, _get, _is_whole_number,
                           _require_unique, _text, _update_fields, command, query)

MAX_DELIVERED = 10**12
DELIVERY_COLUMNS = ["customer_id", "month", "quantity"]


def _customer_fields(name_zh, name_en, site) -> dict:
    return {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
            "name_en": _text(name_en, "name_en", required=False, limit=100),
            "site": _text(site, "site", required=False, limit=100)}


@command
def create_customer(*, session: Session, actor_id: int | None, code: str, name_zh: str, name_en: str = "",
                    site: str = "", ctx: Context) -> Customer:
    _authorize(session, actor_id, "configure")
    customer = Customer(code=_text(code, "code", required=True, limit=20), **_customer_fields(name_zh, name_en, site))
    _require_unique(session, Customer.code, customer.code, "code")
    return _add_config(session, customer, actor_id=actor_id, now=ctx.now, label=f"{customer.code} {customer.name_zh}")


@command
def update_customer(*, session: Session, actor_id: int | None, customer_id: int, name_zh: str, name_en: str,
                    site: str, active: bool, ctx: Context) -> Customer:
    """Rename a customer or retire it (a retired customer is offered for no new complaint; its history stays)."""
    _authorize(session, actor_id, "configure")
    customer = _get(session, Customer, customer_id, "customer")
    if not isinstance(active, bool):
        raise ValidationFailed("err.bad_choice", field="active")
    _update_fields(session, customer, {**_customer_fields(name_zh, name_en, site), "active": active},
                   actor_id=actor_id, now=ctx.now)
    return customer


@command
def set_delivery(*, session: Session, actor_id: int | None, customer_id: int, month: date, quantity: int,
                 ctx: Context) -> CustomerDelivery:
    """Parts delivered to a customer in a month (its first day): what the month's PPM divides by."""
    _authorize(session, actor_id, "configure")
    customer = _get(session, Customer, customer_id, "customer")
    if not isinstance(month, date) or month.day != 1:
        raise ValidationFailed("err.not_month", field="month")
    if not _is_whole_number(quantity) or not 0 < quantity <= MAX_DELIVERED:
        raise ValidationFailed("err.delivered", field="quantity")
    row = session.exec(select(CustomerDelivery).where(CustomerDelivery.customer_id == customer.id,
                                                      CustomerDelivery.month == month)).first()
    old = None if row is None else row.quantity
    if old == quantity:
        raise ValidationFailed("err.no_change")
    row = row or CustomerDelivery(customer_id=customer.id, month=month, quantity=quantity)
    row.quantity = quantity
    session.add(row)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.DELIVERY, entity_id=row.id, issue_id=None,
           field_name=f"{customer.code}.{month:%Y-%m}", old=old, new=quantity)
    session.commit()
    return row


@query
def customers(*, session: Session, active_only: bool = False) -> list[Customer]:
    statement = select(Customer).order_by(Customer.code)
    if active_only:
        statement = statement.where(Customer.active)
    return list(session.exec(statement).all())


@query
def deliveries(*, session: Session, since: date | None = None, until: date | None = None) -> pd.DataFrame:
    """Delivered quantities per customer and month, for the PPM."""
    statement = sa.select(CustomerDelivery.customer_id, CustomerDelivery.month, CustomerDelivery.quantity)
    if since is not None:
        statement = statement.where(CustomerDelivery.month >= since)
    if until is not None:
        statement = statement.where(CustomerDelivery.month <= until)
    return _frame(session, statement.order_by(CustomerDelivery.customer_id, CustomerDelivery.month), DELIVERY_COLUMNS)


def _complaint_party(session: Session, kind: str, customer_id, supplier, defect_quantity) -> dict:
    """Who an issue is about, checked against its category's kind: a customer on a customer's complaint (required
    once the plant keeps customers), a supplier's name on a supplier issue, the bad parts found (PPM) on either."""
    if kind == "external":
        if customer_id is not None:
            customer = _get(session, Customer, customer_id, "customer")
            if not customer.active:
                raise ValidationFailed("err.customer_retired", customer=customer.code)
        elif session.exec(select(sa.func.count()).select_from(Customer).where(Customer.active)).one():
            raise ValidationFailed("err.required", field="customer")
    elif customer_id is not None:
        raise ValidationFailed("err.customer_not_external", field="customer")
    supplier = _text(supplier, "supplier", required=False, limit=100)
    if supplier and kind != "supplier":
        raise ValidationFailed("err.supplier_not_supplier", field="supplier")
    if defect_quantity is not None and (not _is_whole_number(defect_quantity) or not 0 <= defect_quantity <= 10**9):
        raise ValidationFailed("err.defect_quantity", field="defect_quantity")
    if defect_quantity is not None and kind == "internal":
        raise ValidationFailed("err.defect_quantity", field="defect_quantity")
    return {"customer_id": customer_id, "supplier": supplier, "defect_quantity": defect_quantity}


def _acceptance(accepted_by, accepted_how) -> tuple[str, str]:
    accepted_by = _text(accepted_by, "accepted_by", required=True, limit=100)
    if accepted_how not in rules.ACCEPTANCE_CHANNELS:
        raise ValidationFailed("err.bad_choice", field="accepted_how")
    return accepted_by, accepted_how


def _accept(session: Session, issue: Issue, accepted_on: date, accepted_by: str, accepted_how: str, *,
            actor_id, now) -> None:
    """The customer's acceptance of the solution, kept on the issue (who, when, how) and in the audit trail."""
    for name, value in (("accepted_on", accepted_on), ("accepted_by", accepted_by), ("accepted_how", accepted_how),
                        ("awaiting_acceptance", False)):
        if getattr(issue, name) != value:
            _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
                   field_name=name, old=getattr(issue, name), new=value)
            setattr(issue, name, value)
