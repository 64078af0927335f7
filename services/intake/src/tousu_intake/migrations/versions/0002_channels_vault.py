"""intake: channel accounts, the contact vault, registration fields, evidence

Moves the contacts registered so far into the vault, sealed, and drops the clear columns.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_channel_accounts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("estates", sa.Text, nullable=False),
        sa.Column("default_estate", sa.String(64)),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("rate_per_minute", sa.Integer),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intake_contacts",
        sa.Column("contact_ref", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name_sealed", sa.Text),
        sa.Column("phone_sealed", sa.Text),
        sa.Column("email_sealed", sa.Text),
        sa.Column("reply_to_sealed", sa.Text),
        sa.Column("phone_index", sa.String(64), index=True),
        sa.Column("reply_index", sa.String(64), index=True),
    )
    op.create_table(
        "intake_evidence",
        sa.Column("evidence_id", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(64), nullable=False, index=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    with op.batch_alter_table("intake_complaints") as batch:
        batch.add_column(sa.Column("account_id", sa.String(64)))
        batch.add_column(sa.Column("text_sealed", sa.Text))
        batch.add_column(sa.Column("location", sa.String(200)))
        batch.add_column(sa.Column("persons_involved", sa.String(200)))
        batch.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("contact_ref", sa.String(64), index=True))
        batch.add_column(sa.Column("contact_name_masked", sa.String(50)))
        batch.add_column(sa.Column("contact_phone_masked", sa.String(32)))
        batch.add_column(sa.Column("registered_by", sa.String(64)))
        batch.add_column(sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false()))
    _seal_existing_contacts()
    with op.batch_alter_table("intake_complaints") as batch:
        batch.drop_column("contact_name")
        batch.drop_column("contact_phone")


def _seal_existing_contacts() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT complaint_id, tenant_id, contact_name, contact_phone, text FROM intake_complaints")
    ).all()
    if not rows:
        return
    # Only a database with complaints needs the vault here; a fresh one starts without keys.
    from tousu_intake.settings import IntakeSettings
    from tousu_intake.vault import vault_from_settings
    from tousu_shared.ids import new_id
    from tousu_shared.pii import mask_name, mask_phone, mask_phones_in_text
    from tousu_shared.settings import ServiceSettings

    vault = vault_from_settings(IntakeSettings(), ServiceSettings().data_dir)
    for complaint_id, tenant_id, name, phone, said in rows:
        ref = new_id()
        conn.execute(
            sa.text(
                "INSERT INTO intake_contacts (contact_ref, tenant_id, name_sealed, phone_sealed, phone_index)"
                " VALUES (:ref, :tenant, :name, :phone, :index)"
            ),
            {
                "ref": ref,
                "tenant": tenant_id,
                "name": vault.seal(name),
                "phone": vault.seal(phone),
                "index": vault.index(phone),
            },
        )
        conn.execute(
            sa.text(
                "UPDATE intake_complaints SET contact_ref = :ref, contact_name_masked = :n,"
                " contact_phone_masked = :p, text = :text, text_sealed = :sealed WHERE complaint_id = :id"
            ),
            {
                "ref": ref,
                "n": mask_name(name) if name else None,
                "p": mask_phone(phone),
                "id": complaint_id,
                "text": mask_phones_in_text(said),
                "sealed": vault.seal(said) if mask_phones_in_text(said) != said else None,
            },
        )


def downgrade() -> None:
    raise NotImplementedError("0002 moved contacts into the sealed vault; restore a backup to go back")
