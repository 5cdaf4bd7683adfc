#!/usr/bin/env python3
"""Self-tests of deploy/validate.py: its answer must not depend on the machine it runs on.

    python3 deploy/test_validate.py

`.ci/run` runs it right after validate.py. Each test simulates a machine unlike this one
and checks that validate.py says the same there: a host where unbound-checkconf is
installed without Debian's dns-root-data (no /usr/share/dns/root.hints), with the real
unbound-checkconf when this machine has one and, always, with a stand-in that fails as
the real one does when a file the configuration names is missing.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate  # noqa: E402

# Paths that exist on no machine, under the folder dns-root-data would fill.
MISSING = "/usr/share/dns/echoterra-self-test-missing"

# Fails, like unbound-checkconf, when a file or folder the configuration names is missing.
FAKE_CHECKCONF = r'''#!/usr/bin/env python3
import os, re, sys
for line in open(sys.argv[1]):
    m = re.match(r'\s*(directory|root-hints|trust-anchor-file|auto-trust-anchor-file)\s*:\s*"?([^"#]+)"?', line)
    if m and not os.path.exists(m.group(2).strip()):
        sys.exit(f"fatal error: {m.group(1)}: {m.group(2).strip()} does not exist")
'''


def without_host_files(conf: Path, folder: Path) -> Path:
    """A copy of `conf` (same name) as a machine without root hints would see it: every
    host file it names is missing."""
    text = re.sub(r'^(\s*)(directory|root-hints|trust-anchor-file|auto-trust-anchor-file)(\s*:\s*).*$',
                  lambda m: f'{m.group(1)}{m.group(2)}{m.group(3)}"{MISSING}/{m.group(2)}"',
                  conf.read_text(), flags=re.M)
    copy = folder / conf.name
    copy.write_text(text)
    return copy


def answer(conf: Path) -> tuple[int, list[str]]:
    c = validate.Checker()
    validate.check_unbound(c, conf)
    # The file's name differs between the original and the copy: only the findings count.
    return c.passed, [f.split(": ", 1)[1] for f in c.failures]


class UnboundWithoutRootHints(unittest.TestCase):
    def setUp(self) -> None:
        self.saved = validate.UNBOUND_CHECKCONF
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.fake = Path(self.tmp.name) / "unbound-checkconf"
        self.fake.write_text(FAKE_CHECKCONF)
        self.fake.chmod(0o755)
        self.confs = sorted(validate.DEPLOY.rglob("unbound.conf"))
        self.assertTrue(self.confs, "no unbound.conf under deploy/")

    def tearDown(self) -> None:
        validate.UNBOUND_CHECKCONF = self.saved

    def same_answer(self) -> None:
        for conf in self.confs:
            with self.subTest(conf=validate.rel(conf)), tempfile.TemporaryDirectory() as folder:
                copy = without_host_files(conf, Path(folder))
                self.assertEqual(answer(conf), answer(copy))
                self.assertEqual(answer(conf)[1], [], "the kit's own configuration must pass")

    def test_the_stand_in_fails_on_a_missing_root_hints_file(self) -> None:
        # The simulation is real: run directly, the stand-in refuses the copy.
        import subprocess
        with tempfile.TemporaryDirectory() as folder:
            copy = without_host_files(self.confs[0], Path(folder))
            run = subprocess.run([str(self.fake), str(copy)], capture_output=True, text=True)
            self.assertNotEqual(run.returncode, 0)
            self.assertIn(MISSING, run.stderr)

    def test_same_answer_with_a_stand_in_checkconf(self) -> None:
        validate.UNBOUND_CHECKCONF = str(self.fake)
        self.same_answer()

    @unittest.skipUnless(shutil.which("unbound-checkconf"), "unbound-checkconf not installed")
    def test_same_answer_with_the_real_checkconf(self) -> None:
        validate.UNBOUND_CHECKCONF = "unbound-checkconf"
        self.same_answer()


if __name__ == "__main__":
    unittest.main(verbosity=2)
