"""every change to a session or an account is announced to the gateways (pg_notify)

The gateways keep who holds each session token in memory (handlers/sessions.py); a session ended
(signed out, expired and swept) or an account changed (deactivated, moved to another bank or
region) is announced on the `guiyan_sessions` channel by these triggers, whatever made the change,
and every gateway forgets the affected tokens at once.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION guiyan_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'login_sessions' THEN
                PERFORM pg_notify('guiyan_sessions', 'token:' || OLD.token_hash);
            ELSE
                PERFORM pg_notify('guiyan_sessions', 'user:' || OLD.id);
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER login_sessions_changed AFTER UPDATE OR DELETE ON login_sessions"
               " FOR EACH ROW EXECUTE FUNCTION guiyan_sessions_changed()")
    op.execute("CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users"
               " FOR EACH ROW EXECUTE FUNCTION guiyan_sessions_changed()")


def downgrade() -> None:
    op.execute("DROP TRIGGER users_changed ON users")
    op.execute("DROP TRIGGER login_sessions_changed ON login_sessions")
    op.execute("DROP FUNCTION guiyan_sessions_changed()")
