"""comment counters: each episode's last comment seq in a row of its own (UNLOGGED on PostgreSQL)

Revision ID: 5e9a1c2b7d40
Revises: abe34bf76113
Create Date: 2026-12-03 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e9a1c2b7d40'
down_revision = 'abe34bf76113'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # UNLOGGED: taking a seq writes no WAL, so it never waits for a flush (app/live/seqs.py).
        op.execute("CREATE UNLOGGED TABLE comment_counters ("
                   " episode_id INTEGER NOT NULL,"
                   " last_seq INTEGER NOT NULL,"
                   " CONSTRAINT pk_comment_counters PRIMARY KEY (episode_id),"
                   " CONSTRAINT fk_comment_counters_episode_id_episodes FOREIGN KEY (episode_id)"
                   " REFERENCES episodes (id) ON DELETE CASCADE)")
    else:
        op.create_table('comment_counters',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_comment_counters_episode_id_episodes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('episode_id', name=op.f('pk_comment_counters'))
        )
    # Counters start lazily (above the highest stored seq); nothing to copy.


def downgrade():
    op.drop_table('comment_counters')
