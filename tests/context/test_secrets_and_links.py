"""Secret files by name and links out of the workspace never enter the index or its texts."""

from __future__ import annotations

import os
import time

from context.secrets import inside, is_secret_file
from lsp_server.model.redact import REDACTED, redact

# Fake values in the real shapes (none is a live credential).
SECRETS = {
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "github": "ghp_" + "x1Y2z3" * 6,
    "github_pat": "github_pat_11ABCDEFG0" + "a" * 40,
    "slack": "xoxb-123456789012-abcdefABCDEF",
    "openai": "sk-proj-" + "Ab3" * 12,
    "anthropic": "sk-ant-api03-" + "Zq9" * 12,
    "google": "AIza" + "SyD-" * 8 + "abc",
    "stripe": "sk_live_" + "51Hx" * 6,
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7Yn\nProc-Type: 4,ENCRYPTED\nq1w2e3r4t5y6\n-----END RSA PRIVATE KEY-----"


def test_secret_file_names():
    for name in (".env", "app/.env.local", "server.pem", "tls/server.key", "id_rsa", "id_ed25519.pub", "id_ecdsa",
                 "cert.p12", "cert.pfx", "credentials.json", "credentials-prod.json", ".netrc", ".npmrc", ".pypirc",
                 "home/.kube/config", "kubeconfig", ".git-credentials", "release.keystore", ".env.py"):
        assert is_secret_file(name), name
    for name in ("main.py", "env.py", "config.py", "keys.py", "src/credentials_form.py", "kube/config.py"):
        assert not is_secret_file(name), name
    assert is_secret_file("deploy/token_prod.py", ("token_*.py",)) and not is_secret_file("deploy/token_prod.py")


def test_high_confidence_secret_values_are_redacted_and_code_is_not():
    text = "\n".join(f"{name} = '{value}'" for name, value in SECRETS.items()) + "\n" + PEM + "\nafter = 1\n"
    redacted = redact(text)
    assert all(value not in redacted for value in SECRETS.values())
    assert "PRIVATE KEY" not in redacted and "q1w2e3r4t5y6" not in redacted and "after = 1" in redacted
    assert redacted.count(REDACTED) == len(SECRETS) + 1
    code = "def task_skipper(ask_user, sk=None):\n    return 'eyJ' + risk-assessment_value\n"
    assert redact(code) == code
    assert redact("x = sk-" + "a" * 400_000) == "x = " + REDACTED  # one long run: consumed once
    for unit in ("sk-", "eyJ-", "eyJ", "ghp_", "AKIA", "a.eyJ", "-----BEGIN PRIVATE KEY-----"):
        assert len(redact(unit * (300_000 // len(unit)))) > 0  # repeated starts: linear (a quadratic never ends)


def test_inside_resolves_links(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "outside.py").write_text("x = 1\n")
    os.symlink(tmp_path / "outside.py", tmp_path / "ws" / "link.py")
    assert not inside(str(tmp_path / "ws"), "link.py") and inside(str(tmp_path / "ws"), "ws_file.py")


def test_the_index_skips_secret_files_and_links_out(make_index, tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (outside / "leak.py").write_text("def leaked_secret():\n    return 'outside'\n")
    (outside / "lib").mkdir()
    (outside / "lib" / "far.py").write_text("def far_away():\n    pass\n")
    (root / "main.py").write_text("def main():\n    pass\n")
    (root / ".env.py").write_text("def from_env():\n    pass\n")
    (root / "pkg" / "token_store.py").write_text("def token_store():\n    pass\n")
    os.symlink(outside / "leak.py", root / "linked.py")
    os.symlink(outside / "lib", root / "lib")
    os.symlink(root / "main.py", root / "alias.py")  # a link that stays inside is fine
    (root / "server.key").write_text("def private_key():\n    pass\n")
    os.symlink(root / "server.key", root / "innocent.py")  # but not one to a secret file
    index = make_index(root, secret_files=("token_*.py",))
    assert sorted(index.table.paths()) == ["alias.py", "main.py"]
    assert index.text("linked.py") is None and index.text("lib/far.py") is None
    index.set_document(str(root / ".env.py"), "def typed_secret(): pass\n")
    index.on_filesystem_event(str(root / "linked.py"), False)
    index.file_changed(str(root / "pkg" / "token_store.py"))
    index.file_changed(str(root / "main.py"))  # a marker: processed after the others
    (root / "main.py").write_text("def main():\n    pass\n\n\ndef later():\n    pass\n")
    index.file_changed(str(root / "main.py"))
    for _ in range(200):
        if index.stats()["pending"] == 0 and "later" in (index.text("main.py") or ""):
            break
        time.sleep(0.02)
    assert index.document_text(".env.py") is None and "linked.py" not in index.table.paths()
    assert "pkg/token_store.py" not in index.table.paths()
