"""One construction contract for every kind of plugin: declared settings and one context.

A plugin class (payment provider, message channel, bank feed, e-invoice network) may declare
its settings::

    class SumUp:
        name = "sumup"
        settings_spec = {
            "api_key": Setting(secret=True, required=True),
            "merchant_code": Setting(required=True),
            "base_url": Setting(default="https://api.sumup.com"),
        }

        def __init__(self, *, api_key: str, merchant_code: str, base_url: str,
                     context: PluginContext) -> None: ...

paylink then checks the stored settings against ``settings_spec`` before it builds the plugin
(an unknown or misspelt setting is a :class:`~paylink.exceptions.ValidationError` naming it
and the allowed ones; a missing one names what is needed) and, when the constructor takes a
``context`` argument, hands it a :class:`PluginContext`: an HTTP client with paylink's retry and
idempotency policy (:mod:`paylink.http`), the service clock, the sleep between retries, and a
logger that masks the plugin's secrets. Plugins written before this contract (settings as
keyword arguments, plus ``http``/``clock``/``sleep`` for providers) keep working: a setting
their constructor does not take is reported the same way, never as a raw ``TypeError``.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

import attrs

from .clock import Clock, SystemClock
from .exceptions import ValidationError

if TYPE_CHECKING:
    import httpx

    from .http import ApiClient

__all__ = [
    "MaskingLogger",
    "PluginContext",
    "Setting",
    "build_plugin",
    "check_settings",
    "secret_setting_names",
    "secrets_of",
]


@attrs.frozen(kw_only=True)
class Setting:
    """One setting a plugin takes: its type, whether it is a secret, required, or defaulted.

    ``type`` is what the value must be an instance of (``str``, ``int``, ``bool``, ``list`` …);
    a ``secret`` is never shown back, never logged (the context's logger masks it) and never
    put in an error; ``required`` settings must be given (and not empty); ``default`` is used
    when the setting is not given.
    """

    type: type | tuple[type, ...] = str
    secret: bool = False
    required: bool = False
    default: Any = None
    help: str = ""


def _secret_values(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if isinstance(v, str))


def check_settings(
    plugin: str, spec: Mapping[str, Setting], given: Mapping[str, Any]
) -> dict[str, Any]:
    """``given`` checked against ``spec``, with defaults filled in.

    Raises :class:`~paylink.exceptions.ValidationError` naming the setting: for one ``spec``
    does not declare (with the allowed ones), a required one that is missing or empty, or a
    value of the wrong type. The message never contains a value.
    """
    allowed = ", ".join(sorted(spec)) or "none"
    for name in sorted(given):
        if name not in spec:
            raise ValidationError(
                f"{plugin} has no setting {name!r} (allowed: {allowed})", field=name
            )
    values: dict[str, Any] = {}
    for name, setting in spec.items():
        value = given.get(name)
        if value is None:
            value = setting.default
        if value is None or value == "":
            if setting.required:
                raise ValidationError(f"{plugin} needs the setting {name!r}", field=name)
            values[name] = value
            continue
        if not isinstance(value, setting.type):
            kinds = setting.type if isinstance(setting.type, tuple) else (setting.type,)
            expected = " or ".join(k.__name__ for k in kinds)
            raise ValidationError(
                f"{plugin}: expected {expected}, got {type(value).__name__}",
                field=name,
            )
        values[name] = value
    return values


class MaskingLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger that replaces every secret of the plugin by ``***`` before the line is written."""

    def __init__(self, logger: logging.Logger, secrets: Iterable[str]) -> None:
        super().__init__(logger, {})
        self._secrets = tuple(s for s in secrets if s and len(s) > 3)

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        """Pass ``msg`` on unchanged (masking happens in :meth:`log`, after formatting)."""
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Format ``msg % args``, mask the secrets, and log the result."""
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        self.logger.log(level, "%s", text, **kwargs)


@attrs.frozen(kw_only=True)
class PluginContext:
    """What paylink hands every plugin it builds (the ``context`` constructor argument).

    ``name`` is the plugin's name; ``account_id`` the account, organization or feed account it
    is built for (empty when paylink only checks settings); ``http`` the ``httpx.Client`` paylink
    owns for it (``None``: make your own through :meth:`api`); ``clock`` the service clock (use
    it for signature timestamps, so tests with a fixed clock work); ``sleep`` what to call
    between retries (tests pass one that does not wait); ``log`` a logger that masks the
    plugin's secrets.
    """

    name: str
    account_id: str = ""
    http: httpx.Client | None = attrs.field(default=None, repr=False)
    clock: Clock = attrs.field(factory=SystemClock, repr=False)
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, repr=False)
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False)
    log: logging.LoggerAdapter[logging.Logger] = attrs.field(repr=False, default=None)

    def __attrs_post_init__(self) -> None:
        if self.log is None:
            logger = logging.getLogger(f"paylink.plugins.{self.name}")
            object.__setattr__(self, "log", MaskingLogger(logger, self.secrets))

    def scrub(self, text: str) -> str:
        """``text`` with every secret of the plugin replaced by ``***``."""
        from .http import scrub

        return scrub(text, self.secrets)

    def api(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        request_id_header: str = "request-id",
        error_message: Callable[[Any], str | None] | None = None,
        max_retries: int = 2,
        retry_statuses: frozenset[int] | None = None,
    ) -> ApiClient:
        """An :class:`~paylink.http.ApiClient` for this plugin: paylink's retries, backoff and
        idempotency keys, over this context's HTTP client and sleep, scrubbing its secrets.
        ``retry_statuses`` replaces the 4xx statuses that are retried."""
        from .http import RETRY_STATUSES, ApiClient

        return ApiClient(
            provider=self.name,
            base_url=base_url,
            headers=headers,
            secrets=self.secrets,
            http=self.http,
            sleep=self.sleep,
            request_id_header=request_id_header,
            error_message=error_message,
            max_retries=max_retries,
            retry_statuses=RETRY_STATUSES if retry_statuses is None else retry_statuses,
        )


def _takes(cls: type) -> tuple[set[str], set[str], bool]:
    """The keyword names the constructor takes, the required ones, and whether it takes any."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return set(), set(), True
    names, required, anything = set(), set(), False
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            anything = True
        elif param.kind in (
            inspect.Parameter.KEYWORD_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            names.add(param.name)
            if param.default is inspect.Parameter.empty:
                required.add(param.name)
    return names, required, anything


def build_plugin(
    cls: Any,
    settings: Mapping[str, Any],
    *,
    context: PluginContext,
    legacy: Mapping[str, Any] | None = None,
) -> Any:
    """Build the plugin ``cls`` with ``settings``, the one way paylink builds every plugin.

    Settings are checked first (against ``cls.settings_spec`` when the class declares one,
    else against its constructor's keyword arguments): a wrong one raises
    :class:`~paylink.exceptions.ValidationError` naming it. A constructor that takes
    ``context`` gets ``context``; one written to the older contract gets the ``legacy``
    keywords it accepts instead (``http``, ``clock``, ``sleep``, ``account_id``).
    """
    name = str(getattr(cls, "name", getattr(cls, "__name__", "plugin")))
    spec: Mapping[str, Setting] | None = getattr(cls, "settings_spec", None)
    names, required, anything = _takes(cls)
    extra = dict(legacy or {})
    values = dict(settings)
    if spec is not None:
        values = check_settings(name, spec, settings)
    elif not anything:
        reserved = set(extra) | {"context"}
        allowed = ", ".join(sorted(names - reserved)) or "none"
        for key in sorted(values):
            if key not in names or key in reserved:
                raise ValidationError(
                    f"{name} has no setting {key!r} (allowed: {allowed})", field=key
                )
    if "context" in names:
        kwargs = {**values, "context": context}
    else:
        kwargs = {**values, **{k: v for k, v in extra.items() if anything or k in names}}
    for needed in sorted(required - set(kwargs)):
        raise ValidationError(f"{name} needs the setting {needed!r}", field=needed)
    return cls(**kwargs)


def secret_setting_names(cls: Any) -> frozenset[str]:
    """The names of the settings ``cls`` declares secret (``secret_settings`` or a
    ``settings_spec`` entry with ``secret=True``)."""
    names: set[str] = set(getattr(cls, "secret_settings", frozenset()))
    spec: Mapping[str, Setting] = getattr(cls, "settings_spec", None) or {}
    names |= {k for k, s in spec.items() if getattr(s, "secret", False)}
    return frozenset(names)


def secrets_of(cls: Any, settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The values of ``settings`` that ``cls`` declares secret (``secret_settings`` or a
    ``settings_spec`` entry with ``secret=True``)."""
    names = secret_setting_names(cls)
    return tuple(_secret_values(settings[k] for k in sorted(names) if k in settings))
