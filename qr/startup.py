"""What a first start does: schema through Alembic, the default configuration, demo data unless QR_DEMO=0."""
from qr import db, demo, store
from qr.db import SchemaBehind  # noqa: F401  (pages catch it from here)
from qr.defaults import install_defaults


def prepare_database(*, with_demo: bool) -> None:
    """Create what an empty database lacks; refuse one whose schema is behind (SchemaBehind), never upgrade it
    behind the back of the other instances that share it. Without demo mode the demo's accounts, whose password
    is published, are closed: a plant that began with the demo and now runs for real keeps none open."""
    with db.setup_lock():
        db.ensure_schema()
        if store.is_empty():
            install_defaults()
            if with_demo:
                demo.load_demo()
        if not with_demo:
            store.disable_demo_accounts()
