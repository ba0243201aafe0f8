"""Speaking on a Ray cluster: ``narrate build --cluster ray://HOST:10001`` (or ``auto``, or $NARRATE_CLUSTER).

RaySpeaker takes WorkerPool's place (narrate.synth.Speaker). One actor per CPU of the cluster loads each
voice once and says sentences in the order given (longest first); each actor has at most IN_FLIGHT sentences
queued, so no more results than that wait in memory. An actor writes each sentence to the shared cache when
there is one (``--cache-dir s3://…``), and returns its samples; the build keeps a copy in its own folder.

A worker process or node that dies loses only the sentences it held: they are said again by another actor
(a replacement is started where the cluster has room). Sentences are seeded one by one (narrate.engines.seeded),
so they sound the same wherever they are said. Losing the head node (or the connection to it) stops the build
with one line; what was said is in the shared cache for the next run.

Ray is imported only here, and only when a cluster is asked for: a plain install does not have it.
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from narrate.audio import Clip
from narrate.cache import SpeechCache
from narrate.driver import DRIVER
from narrate.errors import EngineError, NarrateError
from narrate.plan import Speech
from narrate.synth import SpeechFailed

IN_FLIGHT = 2  # sentences queued at each actor: one being said, one ready for when it finishes
FORWARDED = ("AWS_", "NARRATE_", "SOURCE_DATE_EPOCH")  # environment variables the workers are given
RETRIES = 4  # times a sentence is tried again after the worker saying it died
HEAD_CHECK = 5.0  # seconds without a result before the head node is checked
RAYLET_GONE = "this machine's Ray node (its raylet) does not answer"


def connect(address: str) -> Any:
    """The ray module, connected to the cluster at ``address`` (once per process)."""
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_CLIENT_RECONNECT_GRACE_PERIOD", "5")  # a lost head is reported in seconds
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # gRPC's own notes (on forks) are not for the user
    # a driver on a node of the cluster (auto) would end itself, with a log line, a minute after losing the head;
    # narrate notices first (wait_one), and says so
    os.environ.setdefault("RAY_gcs_rpc_server_reconnect_timeout_s", "3600")
    try:
        import ray
    except ImportError:
        raise NarrateError("--cluster needs Ray, which a plain install does not have: "
                           "pip install 'narrate[cluster]'") from None
    if ray.is_initialized():
        return ray
    # the shared cache's address and credentials, as this machine has them, go to the workers (a node's own,
    # such as an instance role, serve when none are set here)
    env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED) and v and k != DRIVER}
    _check_reachable(address)
    for attempt in range(3):  # Ray's client proxy may fail a first connection while it starts its server
        try:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False, configure_logging=False,
                     runtime_env={"env_vars": env} if env else None)
            break
        except Exception as exc:  # ConnectionError, or Ray's own for a bad address  # noqa: BLE001
            if attempt < 2 and address.startswith("ray://") and "Initialization failure" in str(exc):
                import time

                ray.shutdown()
                time.sleep(1 + attempt)
                continue
            raise _unreachable(address, _first_line(exc)) from None
    _quiet()
    return ray


def _quiet() -> None:
    """Ray's own log lines (a client reconnecting, a worker's notes) are not for narrate's user: its one line
    on what happened is."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", module=r"ray(\.|$)")  # 'Ray Client connection timed out': ours says it
    # a driver on a node prints the cluster's error broadcasts ('(raylet) Raylet is terminated…' and its log) on
    # the build's standard output, from a thread of its own: narrate's line says what was lost
    worker = getattr(getattr(sys.modules.get("ray"), "_private", None), "worker", None)
    if worker is not None and hasattr(worker, "print_to_stdstream"):
        worker.print_to_stdstream = lambda *_args, **_kwargs: None
    for name in [n for n in logging.root.manager.loggerDict if n == "ray" or n.startswith("ray.")]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _check_reachable(address: str) -> None:
    """Fail at once, not after Ray's 30 s of retries, when nothing listens at a ray:// address."""
    import socket

    if not address.startswith("ray://"):
        return
    host, port = _client_server(address)
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return
    except ValueError:
        reason = "its port is not a number"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    raise _unreachable(address, reason)


def _client_server(address: str) -> tuple[str, str]:
    """The host and port (as written) of a ray:// address's client server: 127.0.0.1 and 10001 unless given."""
    host, _, port = address[len("ray://"):].partition("/")[0].rpartition(":")
    return host or "127.0.0.1", port or "10001"


def _unreachable(address: str, reason: str) -> NarrateError:
    return NarrateError(f"cannot reach the Ray cluster at '{address}': {reason}; start one with "
                        "'ray start --head' (auto), or give its client address, ray://HOST:10001")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Voice:
    """A Ray actor: the engines (each voice loaded on first use, then kept) and the shared cache."""

    def __init__(self, engines: Any, shared: Any) -> None:
        from narrate.cache import Store

        self.engines = engines
        self.cache = Store(None, shared).speech if shared is not None else None

    def say(self, engine: str, text: str, voice: Any, key: str, send: bool = True) -> tuple[Any, Any]:
        """(int16 samples, rate, when each word is said or None) as the cache holds them, and None; or None and
        the engine's error. Unless ``send``, the samples stay in the shared cache, and only their count comes back."""
        from narrate.audio import to_pcm16
        from narrate.synth import say

        try:
            clip, words = say(self.engines.get(engine), text, voice)
        except EngineError as exc:
            return None, exc
        if self.cache is not None:
            clip = self.cache.put(key, clip, words)
            if not send:
                return (len(clip.samples), clip.rate, words), None
        return (np.frombuffer(to_pcm16(clip.samples), dtype="<i2"), clip.rate, words), None


class RaySpeaker:
    """Speaks sentences on a Ray cluster (see the module's notes); ``engines`` is sent to every actor, which
    makes its own voices from it."""

    def __init__(self, address: str, engines: Any, log: Callable[[str], None] = lambda _: None,
                 keep_going: bool = False, here: bool = True) -> None:
        self.address, self.engines, self.log = address, engines, log
        self.keep_going = keep_going  # a sentence the engine cannot say is yielded with its error, and the rest go on
        # False: the sentences are wanted in the shared cache only (a catalogue's books are mixed on the cluster);
        # none of their samples come to this machine, and None stands for each clip
        self.here = here

    def speak(self, speeches: list[Speech], cache: SpeechCache) -> Iterator[tuple[Speech, Clip]]:
        ray = connect(self.address)
        exceptions = ray.exceptions
        lost = (exceptions.RayActorError, exceptions.WorkerCrashedError, exceptions.NodeDiedError,
                exceptions.ObjectLostError, exceptions.OwnerDiedError)
        shared = cache.store.shared
        voice = ray.remote(num_cpus=1, max_restarts=0)(_Voice)
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
        except Exception as exc:  # noqa: BLE001
            raise self._gone(exc) from None
        actors = [self._actor(voice, shared) for _ in range(max(1, min(cpus, len(speeches))))]
        todo = deque((s, 0) for s in speeches)
        pending: dict[Any, tuple[Speech, int, Any]] = {}  # result ref -> (sentence, tries, actor)
        load = {id(a): 0 for a in actors}

        def submit() -> None:
            for actor in actors:
                while todo and load[id(actor)] < IN_FLIGHT:
                    speech, tries = todo.popleft()
                    with calls_to(self.address):
                        ref = actor.say.remote(speech.voice.engine, speech.text, speech.voice, speech.key,
                                               self.here or shared is None)
                    pending[ref] = (speech, tries, actor)
                    load[id(actor)] += 1

        try:
            submit()
            while pending:
                ref = wait_one(ray, list(pending), self.address)
                speech, tries, actor = pending.pop(ref)
                load[id(actor)] -= 1
                try:
                    result, error = ray.get(ref)
                except lost as exc:
                    self._no_start(exc)
                    self._replace(actor, actors, load, voice, shared, ray)
                    if tries >= RETRIES:
                        raise SpeechFailed(speech, None) from exc
                    todo.appendleft((speech, tries + 1))
                    submit()
                    continue
                except exceptions.RayTaskError as exc:  # narrate's own code failed there: as it would here
                    raise (exc.cause if isinstance(exc.cause, BaseException) else exc) from None
                except Exception as exc:  # noqa: BLE001
                    raise self._gone(exc) from None
                if not todo and load[id(actor)] == 0 and actor in actors:
                    actors.remove(actor)  # nothing left for it: its CPU is free for other work (a book's mix)
                    _kill(ray, actor)
                submit()
                if error is not None:
                    if not self.keep_going:
                        raise SpeechFailed(speech, error) from error
                    yield speech, error  # type: ignore[misc]
                    continue
                yield speech, _kept(result, speech, cache)  # type: ignore[misc]
        finally:
            for actor in actors:
                _kill(ray, actor)

    def _no_start(self, exc: BaseException) -> None:
        """An actor lost because narrate's own code failed as it started: that failure, not a lost worker."""
        if getattr(exc, "actor_init_failed", False):
            raise NarrateError(f"narrate could not start its voices on the Ray cluster at '{self.address}': "
                               f"{_cause(exc)}") from None

    def _actor(self, voice: Any, shared: Any) -> Any:
        with calls_to(self.address):
            return voice.options(scheduling_strategy="SPREAD").remote(self.engines, shared)

    def _replace(self, actor: Any, actors: list, load: dict, voice: Any, shared: Any, ray: Any) -> None:
        """Drop a dead actor, and start another if the cluster has a CPU free for it (else the others go on)."""
        if actor not in actors:
            return
        if not self.address.startswith("ray://") and not _raylet_answers(ray):  # not a worker: this machine's node
            raise self._gone(ConnectionError(RAYLET_GONE))
        actors.remove(actor)
        self.log("a Ray worker was lost; its sentences are said again by the others")
        try:
            free = ray.available_resources().get("CPU", 0) >= 1
        except Exception:  # noqa: BLE001
            free = False
        if free or not actors:
            new = self._actor(voice, shared)
            actors.append(new)
            load[id(new)] = 0

    def _gone(self, exc: BaseException) -> NarrateError:
        return gone(self.address, exc)


def _kept(result: tuple[Any, int, Any], speech: Speech, cache: SpeechCache) -> Clip | None:
    """A sentence's clip as an actor sent it, kept in this machine's cache; None when only its length came back
    (the samples stayed in the shared cache)."""
    samples, rate, words = result
    if isinstance(samples, int):
        return None
    clip = Clip(samples.astype(np.float32) / 32767.0, rate)
    if cache.store.shared is not None:
        cache.keep(speech.key, clip)
    else:
        cache.put(speech.key, clip, words)
    return clip


def _kill(ray: Any, actor: Any) -> None:
    try:
        ray.kill(actor)
    except Exception:  # noqa: BLE001  # already gone, with its node or the connection
        pass


def _cause(exc: BaseException) -> str:
    """The exception an actor's creation task raised, as its last line ('RuntimeError: ...'): Ray keeps only its
    text."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return next((line for line in reversed(lines) if re.match(r"[A-Za-z_.]*(Error|Exception)\b", line)),
                lines[-1] if lines else type(exc).__name__)


@contextmanager
def calls_to(address: str) -> Iterator[None]:
    """Around a call of Ray's own here (not a task's result): a connection that fails in it is the cluster lost
    (Ray's client raises ConnectionError, which would otherwise read as a file that cannot be reached)."""
    try:
        yield
    except ConnectionError as exc:
        raise gone(address, exc) from None


def gone(address: str, exc: BaseException) -> NarrateError:
    return NarrateError(f"lost the Ray cluster at '{address}' ({_first_line(exc)}); build again when it is back: "
                        "every sentence already said is in the cache")


def wait_one(ray: Any, refs: list, address: str) -> Any:
    """The first of ``refs`` to be ready. Every few seconds without one, the head node is checked (its client
    server for a ray:// address, else its control store and this machine's raylet): when it is gone, the build
    stops with one line."""
    import socket

    while True:
        try:
            done, _ = ray.wait(refs, num_returns=1, timeout=HEAD_CHECK)
        except Exception as exc:  # noqa: BLE001
            raise gone(address, exc) from None
        if done:
            return done[0]
        if address.startswith("ray://"):
            host, port = _client_server(address)
        else:
            host, _, port = ray.get_runtime_context().gcs_address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=HEAD_CHECK).close()
        except (OSError, ValueError):
            raise gone(address, ConnectionError(f"its head node, {host}:{port}, does not answer")) from None
        if not address.startswith("ray://") and not _raylet_answers(ray):
            raise gone(address, ConnectionError(RAYLET_GONE)) from None


def _raylet_answers(ray: Any) -> bool:
    """Whether the raylet of the node this driver runs on still takes a connection (on its Unix socket): when it
    is gone, its actors are too, and no new one can start here."""
    import socket

    node = getattr(getattr(ray, "_private", None), "worker", None)
    path = getattr(getattr(getattr(node, "global_worker", None), "node", None), "raylet_socket_name", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return True  # not known here, or not a Unix socket: the head's check has to do
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(HEAD_CHECK)
        try:
            s.connect(path)
        except OSError:
            return False
    return True
