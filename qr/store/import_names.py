"""The areas, people, categories and customers a plant's sheet names: found by any of their names, or planned for
creation while the import is worked out, and created when it is applied (qr/store/imports.py)."""
from dataclasses import dataclass
import itertools

from sqlmodel import Session, select

from models import Area, Category, Customer, Person
from qr import import_words, rules
from qr.store.base import _add_config
from qr.store.plants import _default_plant_id

CUSTOMER_CODE_MAX = 20


@dataclass(frozen=True)
class _New:
    """An area, person, category or customer the import will create: its id is known only once it is written."""

    kind: str
    name: str


class _Names:
    """Areas, people, categories and customers by any of their names, read once; unknown ones are planned for
    creation."""

    def __init__(self, session: Session):
        self.areas, self.people, self.categories, self.customers = {}, {}, {}, {}
        self.codes = {"areas": set(), "categories": set(), "customers": set()}
        for area in session.exec(select(Area)).all():
            self.codes["areas"].add(area.code)
            for name in (area.code, area.name_zh, area.name_en):
                self.areas.setdefault(name, area.id)
        for person in session.exec(select(Person)).all():
            for name in (person.name, person.name_en):
                if name:
                    self.people.setdefault(name, person.id)
        categories = {c.id: c for c in session.exec(select(Category)).all()}
        for category in categories.values():
            self.codes["categories"].add(category.code)
            parent = categories.get(category.parent_id)
            names = [category.name_zh, category.name_en, category.code]
            if parent is not None:
                names += [rules.category_label(parent.name_zh, category.name_zh),
                          rules.category_label(parent.name_en, category.name_en)]
            for name in names:
                self.categories.setdefault(name, category.id)
        self.kinds = {category.id: category.kind for category in categories.values()}
        self.retired_customers = set()
        self.keeps_customers = False          # an active customer: the app's forms then ask each complaint for one
        for customer in session.exec(select(Customer)).all():
            self.keeps_customers |= customer.active
            self.codes["customers"].add(customer.code)
            for name in (customer.code, customer.name_zh, customer.name_en):
                if name:
                    self.customers.setdefault(name, customer.id)
            if not customer.active:
                self.retired_customers.add(customer.id)
        self.new: dict[str, dict[str, _New]] = {"areas": {}, "people": {}, "categories": {}, "customers": {}}

    def _find(self, kind: str, known: dict, name: str):
        return known.get(name) or self.new[kind].setdefault(name, _New(kind, name))

    def area(self, name: str):
        return self._find("areas", self.areas, name)

    def person(self, name: str):
        return self._find("people", self.people, name)

    def category(self, label: str):
        return self._find("categories", self.categories, label)

    def uncategorised(self, customer: str) -> str:
        """The category of a row that names none: a customer's complaint if it names a customer (the default
        category's code, else a new 客户投诉), else 未分类."""
        if not customer:
            return "未分类"
        return "complaint" if "complaint" in self.codes["categories"] else "客户投诉"

    def customer(self, name: str):
        return self._find("customers", self.customers, name)

    def kind(self, category) -> str:
        """external (a customer's complaint) | supplier | internal: a new category's is guessed from its name."""
        return import_words.category_kind(category.name) if isinstance(category, _New) else self.kinds[category]

    def new_lists(self) -> dict[str, list[str]]:
        return {kind: list(names) for kind, names in self.new.items()}

    def create(self, session: Session, *, actor_id, now) -> dict[_New, int]:
        """The planned names written, audited like any configuration row: their ids by what the plan holds."""
        def add(row, label: str) -> int:
            return _add_config(session, row, actor_id=actor_id, now=now, label=label, commit=False).id

        ids = {}
        for new in self.new["areas"].values():          # a sheet names no plant: the first plant's area
            code = _free_code(self.codes["areas"], new.name[:20])
            ids[new] = add(Area(code=code, name_zh=new.name, name_en=new.name, plant_id=_default_plant_id(session)),
                           new.name)
        for new in self.new["people"].values():
            ids[new] = add(Person(name=new.name), new.name)
        for new in self.new["categories"].values():
            kind = import_words.category_kind(new.name)
            code = _free_code(self.codes["categories"], new.name[:40])
            ids[new] = add(Category(code=code, name_zh=new.name, name_en=new.name, kind=kind), new.name)
        for new in self.new["customers"].values():      # its rules and deliveries are the administrator's to add
            code = _free_code(self.codes["customers"], new.name[:CUSTOMER_CODE_MAX])
            ids[new] = add(Customer(code=code, name_zh=new.name, name_en=new.name), f"{code} {new.name}")
        return ids


def _free_code(taken: set[str], wanted: str) -> str:
    code = next(c for c in itertools.chain([wanted], (f"{wanted[:15]}-{n}" for n in itertools.count(2)))
                if c not in taken)
    taken.add(code)
    return code
