"""The installed Python client against a running linkboard site (the end-to-end tests start one).

    python3 -m venv /tmp/lb-venv && /tmp/lb-venv/bin/pip install ./clients/python
    LINKBOARD_URL=http://127.0.0.1:3000 LINKBOARD_TOKEN=lb_… \\
    LINKBOARD_ENDPOINT=http://127.0.0.1:54811/v1 LINKBOARD_ENDPOINT_MODEL=random \\
    /tmp/lb-venv/bin/python clients/python/tests/test_client.py

It tests the client as pip installed it: the package imported must be the installed distribution's,
of the API version the site speaks. It submits a small private submission (2 shots, one policy, one
draw) for the endpoint, waits for it, downloads its answers and reads the board; and checks the
client's refusals.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
import time
import unittest
import urllib.request
from pathlib import Path

# No path of the checkout is put on sys.path: a script's own folder (this one) holds no
# linkboard_client, so the import below finds the installed package or fails.
import linkboard_client
from linkboard_client import (
    API_VERSION,
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    PermissionDeniedError,
)

REQUIRED = ("LINKBOARD_URL", "LINKBOARD_TOKEN", "LINKBOARD_ENDPOINT", "LINKBOARD_ENDPOINT_MODEL")
missing = [name for name in REQUIRED if not os.environ.get(name)]
if missing:
    sys.exit(f"test_client.py needs {', '.join(missing)} (a running site; see the docstring)")

#: The distribution pip installs (pyproject.toml's name).
DISTRIBUTION = "linkboard-client"

URL = os.environ["LINKBOARD_URL"]
TOKEN = os.environ["LINKBOARD_TOKEN"]

#: Every key of a line of the answers download (core's AnswerLineSchema).
LINE_KEYS = {
    "benchmark",
    "episode_id",
    "shots",
    "policy",
    "draw",
    "pair",
    "support",
    "query",
    "raw_answer",
    "answer_truncated",
    "error",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "verdicts",
}


class ClientOnASite(unittest.TestCase):
    """One submission, made once, that the tests below read."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.client = Client(URL, token=TOKEN)
        # A public version that takes submissions (a retired one takes none).
        cls.benchmark = next(
            b for b in cls.client.benchmarks() if b["split"] == "public" and not b["retired"]
        )
        cls.created = cls.client.submit(
            cls.benchmark["benchmark"],
            f"py-client-{int(time.time())}",
            endpoint=os.environ["LINKBOARD_ENDPOINT"],
            model=os.environ["LINKBOARD_ENDPOINT_MODEL"],
            shots=[2],
            policies=["lcl"],
            private=True,
        )
        cls.finished = cls.client.wait(cls.created["id"], timeout=90, interval=0.5)

    def test_the_submission_runs_to_the_end(self) -> None:
        self.assertGreater(self.created["episodes"], 0)
        self.assertEqual(self.finished["status"], "done", self.finished)
        self.assertEqual(self.finished["done"], self.created["episodes"])
        self.assertEqual(self.finished["total"], self.created["episodes"])

    def test_the_download_has_a_line_per_episode_with_every_field(self) -> None:
        lines = list(self.client.answers(self.created["id"]))
        self.assertEqual(len(lines), self.created["episodes"])
        self.assertEqual(len({line["episode_id"] for line in lines}), len(lines))
        for line in lines:
            self.assertEqual(set(line), LINE_KEYS, line)
            # The version each line is of, by its one name.
            self.assertEqual(line["benchmark"], self.benchmark["benchmark"])
            self.assertEqual(line["shots"], 2)
            self.assertEqual(line["policy"], "lcl")
            # N shots are N support images, half of each concept.
            self.assertEqual(len(line["support"]), 2)
            for item in line["support"] + [line["query"]]:
                self.assertRegex(item["image_id"], r"^[0-9a-f]{64}$")
            self.assertIsInstance(line["query"]["label"], str)
            # An answer, or the class of error that kept it from coming.
            self.assertTrue(
                (line["raw_answer"] is None) == (line["error"] is not None), line
            )
            scorers = sorted(v["scorer"] for v in line["verdicts"])
            self.assertEqual(scorers, ["official", "strict"])
            for verdict in line["verdicts"]:
                self.assertIn(
                    verdict["outcome"],
                    {"correct", "other-label", "both", "neither", "empty", "error"},
                )
                self.assertIsInstance(verdict["rule"], str)
                self.assertIsInstance(verdict["version"], int)

    def test_a_private_submission_is_not_found_by_anyone_else(self) -> None:
        anonymous = Client(URL)
        with self.assertRaises(NotFoundError) as caught:
            list(anonymous.answers(self.created["id"]))
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.code, "NOT_FOUND")
        with self.assertRaises(NotFoundError):
            anonymous.status(self.created["id"])

    def test_a_ranked_run_of_a_submitter_is_refused_with_the_reason(self) -> None:
        # The newcomer is not a participant (yet): the site says who grants the role.
        with self.assertRaises(PermissionDeniedError) as caught:
            self.client.submit_ranked(
                "py-ranked",
                endpoint=os.environ["LINKBOARD_ENDPOINT"],
                model=os.environ["LINKBOARD_ENDPOINT_MODEL"],
            )
        self.assertEqual(caught.exception.status, 403)
        self.assertIn("ranked runs are open to participants", caught.exception.message)

    def test_the_board_reads(self) -> None:
        # A version is named name@version, as benchmarks() gives it.
        named = self.benchmark["benchmark"]
        self.assertEqual(named, f"{self.benchmark['name']}@{self.benchmark['version']}")
        board = self.client.leaderboard(named)
        self.assertEqual(board["benchmark"], named)
        self.assertTrue(board["rows"], "the baselines are on the board")
        self.assertEqual({"model", "accuracy", "ranked"} - set(board["rows"][0]), set())
        with self.assertRaises(NotFoundError) as caught:
            self.client.leaderboard("no-such-benchmark")
        # The site names the versions it holds.
        self.assertIn("no-such-benchmark", caught.exception.message)
        self.assertIn(named, caught.exception.message)
        with self.assertRaises(BadRequestError) as malformed:
            self.client.leaderboard(f"{self.benchmark['name']}@")
        self.assertIn("names no version after the @", malformed.exception.message)


class Installed(unittest.TestCase):
    def test_the_package_imported_is_the_installed_distribution(self) -> None:
        try:
            installed = importlib.metadata.distribution(DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            self.fail(f"{DISTRIBUTION} is not installed: pip install ./clients/python first")
        self.assertEqual(installed.version, linkboard_client.__version__)
        # The module imported is the file pip installed, not a source folder on the path.
        module = Path(linkboard_client.__file__).resolve()
        pip_installed = Path(str(installed.locate_file("linkboard_client/__init__.py")))
        self.assertEqual(module, pip_installed.resolve())
        # PEP 561: the annotations reach type checkers of the code that uses the client.
        self.assertTrue((module.parent / "py.typed").is_file())

    def test_the_site_speaks_the_api_version_of_the_client(self) -> None:
        with urllib.request.urlopen(f"{URL}/api/openapi.json", timeout=30) as response:
            described = json.load(response)
        self.assertEqual(described["info"]["version"], API_VERSION)
        # The client's major version is the API's: linkboard-client 1.x speaks /api/v1.
        self.assertEqual(linkboard_client.__version__.split(".")[0], API_VERSION.lstrip("v"))


class Refusals(unittest.TestCase):
    def test_a_wrong_token_is_an_authentication_error_that_does_not_show_it(self) -> None:
        wrong = "lb_wrong-token-for-the-test"
        client = Client(URL, token=wrong)
        with self.assertRaises(AuthenticationError) as caught:
            client.submit(
                "isekai-synth", "never-queued", endpoint="http://127.0.0.1:1/v1", model="m", shots=[2]
            )
        error = caught.exception
        self.assertEqual((error.status, error.code), (401, "UNAUTHORIZED"))
        self.assertTrue(error.message)
        for shown in (str(error), repr(error), repr(client)):
            self.assertNotIn(wrong, shown)

    def test_a_bad_field_is_a_bad_request_naming_it(self) -> None:
        client = Client(URL, token=TOKEN)
        with self.assertRaises(BadRequestError) as caught:
            client.submit(
                "isekai-synth", "never-queued", endpoint="http://127.0.0.1:1/v1", model="m", shots=[]
            )
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("shots", caught.exception.message)
        # A database id is no name: refused before anything is sent, saying how to name it.
        with self.assertRaises(TypeError) as numbered:
            client.submit(1, "never-queued", endpoint="http://127.0.0.1:1/v1", model="m", shots=[2])
        self.assertIn("name@version", str(numbered.exception))

    def test_an_adapter_and_its_settings_are_checked_by_the_site(self) -> None:
        client = Client(URL, token=TOKEN)
        with self.assertRaises(BadRequestError) as unknown:
            client.submit("isekai-synth", "never-queued", adapter="cohere", model="m", shots=[2])
        self.assertIn("unknown adapter", unknown.exception.message)
        # Claude's extended thinking takes no temperature: refused, naming the field.
        with self.assertRaises(BadRequestError) as thinking:
            client.submit(
                "isekai-synth",
                "never-queued",
                adapter="anthropic",
                endpoint="http://127.0.0.1:1/v1",
                model="claude",
                shots=[2],
                maxTokens=4096,
                thinkingBudget=2048,
            )
        self.assertIn("temperature", thinking.exception.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
