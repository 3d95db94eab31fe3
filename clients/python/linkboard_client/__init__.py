"""A small client for linkboard's public API (version 1), on Python's standard library alone.

Install it with ``pip install ./clients/python`` (from a clone of linkboard), then::

    from linkboard_client import Client

    client = Client("https://linkboard.example", token=os.environ["LB_TOKEN"])
    created = client.submit("isekai-synth@3.1", "my-model", endpoint="https://host/v1", model="m",
                            shots=[2, 4])
    status = client.wait(created["id"], timeout=3600)
    for line in client.answers(created["id"]):
        print(line["episode_id"], line["raw_answer"])

A benchmark version is named ``name@version`` (``"isekai-synth@3.1"``), as the site, its API and the
CLI name it; the name alone is its newest public version.

Every refusal of the site is raised as an ApiError (or one of its subclasses) carrying the HTTP
status and the site's ``{"error": {"code", "message"}}``. The token is sent only in the
Authorization header: it is in no message, exception or repr.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any, Dict, Iterator, List, Optional, cast

__all__ = [
    "API_VERSION",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConnectionFailed",
    "LinkboardError",
    "NotFoundError",
    "PermissionDeniedError",
    "WaitTimeout",
]

#: The version of the site's API this client speaks: what the site's ``/api/openapi.json`` gives
#: as ``info.version``, and the ``/api/v1`` its routes are under.
API_VERSION = "v1"

#: This client's version (the distribution's, read by pyproject.toml). Its major number is the API
#: version it speaks, so that ``linkboard-client 1.x`` is the client of ``/api/v1``; the minor and
#: micro numbers are the client's own releases. A test in apps/web checks the two agree.
__version__ = "1.0.0"

#: The states after which a submission changes no more.
FINISHED = ("done", "failed", "cancelled")


class LinkboardError(Exception):
    """Anything this client raises."""


class ApiError(LinkboardError):
    """The site refused a request: its HTTP status and its error code and message."""

    def __init__(self, status: int, code: str, message: str, url: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message} ({url})")
        self.status = status
        self.code = code
        self.message = message
        self.url = url


class BadRequestError(ApiError):
    """400: the request does not parse; the message names the field."""


class AuthenticationError(ApiError):
    """401: no key, or a key the site does not take (expired, revoked, mistyped); the message says which."""


class PermissionDeniedError(ApiError):
    """403: the key's user may not do this, or the key's scopes do not allow it (a read-only key submitting)."""


class NotFoundError(ApiError):
    """404: not there, or not the token's user's to see (a private submission of another)."""


class ConnectionFailed(LinkboardError):
    """The site could not be reached, or its answer was cut short."""


class WaitTimeout(LinkboardError):
    """A submission had not finished when the wait was up; ``status`` is the last one seen."""

    def __init__(self, submission_id: int, timeout: float, status: Dict[str, Any]) -> None:
        super().__init__(
            f"submission {submission_id} was still {status.get('status')} after {timeout:g} s "
            f"({status.get('done')} of {status.get('total')} episodes)"
        )
        self.status = status


_BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


class Client:
    """One site, and optionally the API token (``lb_…``) of the user to act as."""

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url: {base_url!r} is not an http(s) URL of a site")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        # Never the token: a repr ends up in logs and tracebacks.
        return f"Client({self.base_url!r}, token={'set' if self._token else 'none'})"

    # -- the API ---------------------------------------------------------------------------

    def benchmarks(self) -> List[Dict[str, Any]]:
        """The benchmark versions the site holds: each one's ``benchmark`` (``name@version``, what
        every method takes), ``name``, ``version``, ``manifestHash``, ``rankedSetting``, ``split``,
        ``retired``…"""
        return cast(List[Dict[str, Any]], self._json("GET", "/api/v1/benchmarks")["benchmarks"])

    def submit(
        self,
        benchmark: str,
        name: str,
        *,
        shots: List[int],
        policies: Optional[List[str]] = None,
        draws: Optional[int] = None,
        kind: str = "endpoint",
        adapter: Optional[str] = None,
        endpoint: Optional[str] = None,
        model: Optional[str] = None,
        api_key: Optional[str] = None,
        organisation: Optional[str] = None,
        private: bool = False,
        **settings: Any,
    ) -> Dict[str, Any]:
        """Queues a submission as the token's user; returns ``{"id", "episodes"}``.

        ``benchmark`` is the version to run, ``name@version`` (``"isekai-synth@3.1"``; the name
        alone is its newest public version). The fields are those of ``POST /api/v1/submissions`` (core's CreateSubmissionBodySchema);
        ``settings`` passes the others as the site names them (``scorer``, ``maxTokens``,
        ``temperature``, ``tokenLimitField``, ``thinkingBudget``, ``maxImageSide``, ``profile``,
        ``predictions``). ``adapter`` is the API an endpoint speaks: ``openai`` (the default),
        ``anthropic`` or ``gemini``; the latter two default to the provider's public endpoint.
        ``temperature=None`` in ``settings`` sends none (reasoning models refuse one).
        """
        body: Dict[str, Any] = {
            "benchmark": _benchmark_name(benchmark),
            "name": name,
            "kind": kind,
            "shots": list(shots),
            "policies": list(policies) if policies is not None else ["lcl"],
            "private": private,
        }
        if draws is not None:
            body["draws"] = draws
        return self._create(body, adapter, endpoint, model, api_key, organisation, settings)

    def submit_ranked(
        self,
        name: str,
        *,
        endpoint: Optional[str] = None,
        model: Optional[str] = None,
        adapter: Optional[str] = None,
        api_key: Optional[str] = None,
        organisation: Optional[str] = None,
        private: bool = False,
        **settings: Any,
    ) -> Dict[str, Any]:
        """Queues a ranked run as the token's user; returns ``{"id", "episodes"}``.

        The site draws the run's episodes afresh from its key (lcl and flip at its shot counts;
        the score is the mean of the two accuracies), so no benchmark version, shots or policies
        are given. It needs the participant role (an admin grants it), unless the site opened
        ranked runs to every account; otherwise PermissionDeniedError (403) says so.
        """
        body: Dict[str, Any] = {"ranked": True, "name": name, "kind": "endpoint", "private": private}
        return self._create(body, adapter, endpoint, model, api_key, organisation, settings)

    def _create(
        self,
        body: Dict[str, Any],
        adapter: Optional[str],
        endpoint: Optional[str],
        model: Optional[str],
        api_key: Optional[str],
        organisation: Optional[str],
        settings: Dict[str, Any],
    ) -> Dict[str, Any]:
        """``POST /api/v1/submissions`` with the fields both kinds of submission share."""
        optional = {
            "adapter": adapter,
            "endpoint": endpoint,
            "model": model,
            "apiKey": api_key,
            "organisation": organisation,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        body.update(settings)
        return self._json("POST", "/api/v1/submissions", body)

    def status(self, submission_id: int) -> Dict[str, Any]:
        """Where a submission is: status, position, done, total, errors, rate, ETA, last error."""
        return self._json("GET", f"/api/v1/submissions/{int(submission_id)}")

    def wait(
        self, submission_id: int, timeout: float = 3600.0, interval: float = 2.0
    ) -> Dict[str, Any]:
        """Polls a submission until it is done, failed or cancelled; its last status.

        Raises WaitTimeout if it has not finished within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(submission_id)
            if status["status"] in FINISHED:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(submission_id, timeout, status)
            time.sleep(min(interval, left))

    def answers(self, submission_id: int) -> Iterator[Dict[str, Any]]:
        """Every answered episode of a submission, one dict per line of its JSONL download.

        The download is read as it streams: a large submission is never held whole.
        """
        path = f"/api/v1/submissions/{int(submission_id)}/answers.jsonl"
        with self._open("GET", path) as response:
            number = 0
            try:
                for raw in response:
                    number += 1
                    if raw.strip():
                        yield json.loads(raw)
            except (OSError, http.client.HTTPException) as error:
                raise ConnectionFailed(
                    f"{self.base_url}{path}: the download stopped after line {number} ({error})"
                ) from None

    def leaderboard(
        self,
        benchmark: str,
        version: Optional[str] = None,
        policy: Optional[str] = None,
        scorer: Optional[str] = None,
        self_reported: bool = False,
    ) -> Dict[str, Any]:
        """A benchmark version's board, ``benchmark`` being ``name@version`` (the name alone: its
        newest public version): ``benchmark`` (``name@version``), ``rows`` and the method, with
        ``ranked_at`` (when these ranks were computed) and ``stale`` (true while the board, changed
        since, is being ranked again).

        ``version`` is deprecated: name the version in ``benchmark`` instead.
        """
        if version is not None:
            warnings.warn(
                "leaderboard(version=...) is deprecated: name the version in benchmark, "
                "as 'isekai-synth@3.1'",
                DeprecationWarning,
                stacklevel=2,
            )
            benchmark = f"{benchmark}@{version}"
        query = {"benchmark": _benchmark_name(benchmark), "policy": policy, "scorer": scorer}
        params = {k: v for k, v in query.items() if v is not None}
        if self_reported:
            params["self_reported"] = "1"
        return self._json("GET", "/api/v1/leaderboard?" + urllib.parse.urlencode(params))

    # -- HTTP ------------------------------------------------------------------------------

    def _json(
        self, method: str, path: str, body: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        # Every reply of the API is a JSON object (its OpenAPI document says so).
        with self._open(method, path, body) as response:
            return cast(Dict[str, Any], json.load(response))

    def _open(
        self, method: str, path: str, body: Optional[Dict[str, Any]] = None
    ) -> http.client.HTTPResponse:
        url = self.base_url + path
        headers = {"accept": "application/json, application/x-ndjson"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            response: http.client.HTTPResponse = urllib.request.urlopen(
                request, timeout=self.timeout
            )
            return response
        except urllib.error.HTTPError as error:
            raise _api_error(error, url) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ConnectionFailed(f"could not reach {url}: {reason}") from None


def _benchmark_name(benchmark: Any) -> str:
    """A benchmark version's name as sent: ``name@version`` text, never the database id of before
    (the site would refuse it; this says how to name it instead, before any request)."""
    if not isinstance(benchmark, str):
        raise TypeError(
            f"benchmark: {benchmark!r} is not a benchmark version's name; name it name@version, "
            "as 'isekai-synth@3.1' (the versions are in benchmarks(), each one's 'benchmark')"
        )
    return benchmark


def _api_error(error: urllib.error.HTTPError, url: str) -> ApiError:
    """The site's ``{"error": {"code", "message"}}`` as an exception of its status's class."""
    raw = error.read()
    try:
        detail = json.loads(raw)["error"]
        code, message = str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        # Not the API's answer (a proxy's page, say): its beginning, as text.
        code, message = f"HTTP_{error.code}", raw[:200].decode("utf-8", "replace").strip()
    cls = _BY_STATUS.get(error.code, ApiError)
    return cls(error.code, code, message, url)
