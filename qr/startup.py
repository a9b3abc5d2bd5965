"""What a first start does: schema through Alembic, the default configuration, demo data unless QR_DEMO=0."""
from qr import db, demo, store
from qr.defaults import install_defaults


def prepare_database(*, with_demo: bool) -> None:
    db.upgrade()
    if store.is_empty():
        install_defaults()
        if with_demo:
            demo.load_demo()
