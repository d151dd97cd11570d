"""pages: one live connection per Facebook Page; disconnected rows no longer block it

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIVE_PAGE = sa.text("status != 'disconnected'")


def upgrade():
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pages_facebook_page_id", type_="unique")
        batch_op.create_index("ix_pages_facebook_page_id", ["facebook_page_id"], unique=False)
        batch_op.create_index(
            "uq_pages_live_facebook_page_id",
            ["facebook_page_id"],
            unique=True,
            sqlite_where=LIVE_PAGE,
            postgresql_where=LIVE_PAGE,
        )


def downgrade():
    # Fails, as it should, while two workspaces hold rows of the same Facebook Page.
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("uq_pages_live_facebook_page_id")
        batch_op.drop_index("ix_pages_facebook_page_id")
        batch_op.create_unique_constraint("uq_pages_facebook_page_id", ["facebook_page_id"])
