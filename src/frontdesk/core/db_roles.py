"""The two PostgreSQL roles and what each may do (docs/adr/0008-database-roles.md).

- The owner role owns the schema: `migrate` connects as it. It is not a superuser.
- The application role owns nothing and belongs to no role. It may read and write the ordinary tables,
  but on the ledger and the accounting of disclosures only SELECT, INSERT and the UPDATE columns that
  the append-only triggers let through (`APP_PRIVILEGES` in the two guards modules); never DELETE,
  TRUNCATE, TRIGGER or REFERENCES, never CREATE in the schema. Without ownership it cannot alter,
  disable or drop a trigger, nor replace a guard function; not being a superuser, it cannot set
  session_replication_role; the flush setting is honoured only for the owner (ledger/guards.py).

`admin_statements` is what `frontdesk db_roles` runs as a superuser (roles, database and schema
rights, ownership of existing objects, grants); `grant_statements` is the part the owner re-runs after
every `migrate`, so that new tables get the same rules.
"""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence

from frontdesk.disclosures import guards as accounting_guards
from frontdesk.ledger import guards as ledger_guards

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED = {"postgres", "public", "none", "current_user", "session_user", "current_role"}
# Serialises every frontdesk role change on the cluster: roles are cluster-wide, and two concurrent
# runs (xdist workers, two deployments) would otherwise race between "does it exist?" and CREATE ROLE.
ADVISORY_LOCK_KEY = 0x66_64_72_6F_6C_65  # "fdrole"
SCHEMA = "public"


def _guarded() -> dict[str, tuple[str, ...]]:
    return {
        **ledger_guards.APP_PRIVILEGES,
        **accounting_guards.APP_PRIVILEGES,
        # The application reads the migration history (Django checks it) but never writes it.
        "django_migrations": ("SELECT",),
    }


GUARDED: Mapping[str, tuple[str, ...]] = _guarded()


def check_role_name(name: str, *, what: str) -> str:
    if not ROLE_NAME.fullmatch(name or "") or name in RESERVED or name.startswith("pg_"):
        raise ValueError(
            f"{what} role name {name!r} is not usable: use lower-case letters, digits and underscores "
            "(at most 63, not starting with a digit or pg_), and not a built-in name such as postgres."
        )
    return name


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677), made here so that
    the clear password never appears in a statement the server could log."""
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def admin_statements(*, owner: str, app: str, database: str, passwords: Mapping[str, str] | None = None) -> list[str]:
    """Create or update both roles and give the owner the schema; run as a superuser, in one transaction.

    `passwords` maps a role name to its password (set as a SCRAM verifier); a role without one keeps
    whatever password it has. Safe to run again: every statement converges on the same state.
    """
    owner_q, app_q, db_q = ident(owner), ident(app), ident(database)
    statements = [
        f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})",
        f"""DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(owner)}) THEN
        CREATE ROLE {owner_q};
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(app)}) THEN
        CREATE ROLE {app_q};
    END IF;
END $$""",  # noqa: S608 (role names pass check_role_name, and are quoted)
        f"ALTER ROLE {owner_q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT",
        f"ALTER ROLE {app_q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT",
    ]
    for role, password in (passwords or {}).items():
        statements.append(f"ALTER ROLE {ident(role)} PASSWORD {literal(scram_verifier(password))}")
    statements += [
        # The application belongs to no role (least of all the owner's) and owns nothing, here or in the
        # database itself: a database owner could drop the public schema with everything in it.
        f"""DO $$
DECLARE membership record;
BEGIN
    FOR membership IN
        SELECT m.roleid::regrole AS parent FROM pg_auth_members m WHERE m.member = {literal(app)}::regrole
    LOOP
        EXECUTE format('REVOKE %s FROM %I', membership.parent, {literal(app)});
    END LOOP;
END $$""",  # noqa: S608
        f"REASSIGN OWNED BY {app_q} TO {owner_q}",
        f"GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {db_q} TO {owner_q}",
        f"GRANT CONNECT ON DATABASE {db_q} TO {app_q}",
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA {SCHEMA} FROM {app_q}",
        f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {owner_q}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {app_q}",
        # Objects made before the split (by a superuser's migrate) pass to the owner. Sequences that
        # belong to a column follow their table; an extension's objects stay the extension's.
        f"""DO $$
DECLARE item record;
BEGIN
    FOR item IN
        SELECT format('ALTER %s %s OWNER TO %I',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                      c.oid::regclass, {literal(owner)}) AS sql
        FROM pg_class c
        WHERE c.relnamespace = {literal(SCHEMA)}::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND c.relowner <> {literal(owner)}::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype IN ('a', 'i', 'e'))
        UNION ALL
        SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, {literal(owner)})
        FROM pg_proc p
        WHERE p.pronamespace = {literal(SCHEMA)}::regnamespace
          AND p.proowner <> {literal(owner)}::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE item.sql;
    END LOOP;
END $$""",  # noqa: S608
        *grant_statements(owner=owner, app=app),
    ]
    return statements


def grant_statements(*, owner: str, app: str, guarded: Mapping[str, Sequence[str]] = GUARDED) -> list[str]:
    """The application role's rights on the schema's tables; the owner (or a superuser) runs these.

    Default privileges make tables the owner creates later readable and writable by the application;
    the guarded tables then get exactly their listed rights, here and after every `migrate`.
    """
    owner_q, app_q = ident(owner), ident(app)
    statements = [
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {SCHEMA} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO {app_q}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {app_q}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {SCHEMA} FROM {app_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {app_q}",
    ]
    for table, privileges in guarded.items():
        # Revoking at table level also revokes column grants, so each run starts from nothing.
        grants = "\n        ".join(f"GRANT {p} ON TABLE {SCHEMA}.{ident(table)} TO {app_q};" for p in privileges)
        statements.append(
            f"""DO $$
BEGIN
    IF to_regclass({literal(f"{SCHEMA}.{table}")}) IS NOT NULL THEN
        REVOKE ALL ON TABLE {SCHEMA}.{ident(table)} FROM {app_q};
        {grants}
    END IF;
END $$"""
        )
    return statements


def as_script(statements: Sequence[str]) -> str:
    """One transaction, ready for psql, for an operator to review or run by hand."""
    body = ";\n\n".join(statements)
    return f"BEGIN;\n\n{body};\n\nCOMMIT;\n"
