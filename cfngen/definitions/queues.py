"""SQS queues as event sources: created by a stack (encrypted, with a dead-letter queue) or existing (`from_arn`).

A created queue's visibility timeout defaults to six times the longest timeout of the functions consuming it
(AWS's guidance for Lambda consumers); consumers are added after the queue, so the builders compute it
(`visibility_timeout`). An explicit one below a consumer's timeout is refused when the consumer is added,
as Lambda refuses that mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cfngen import names
from cfngen.definitions.checks import Where, check_existing_arn, existing_name
from cfngen.definitions.grants import ACTIONS, Grant, Statement, grant, kms
from cfngen.definitions.refs import Reference
from cfngen.definitions.sources import Source

if TYPE_CHECKING:
    from cfngen.definitions.function import Function

# An existing queue's ARN: region, account, name (placeholders hold "::", so no split on ":").
EXISTING_ARN = re.compile(
    r"arn:(?:\$\{AWS::Partition\}|[^:]+):sqs:(\$\{AWS::Region\}|[^:]+):(\$\{AWS::AccountId\}|\d+):(.+)"
)
QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
DEAD_LETTER_SUFFIX = "-dlq"
VISIBILITY_MAX = 43200  # SQS: 12 hours
DEFAULT_VISIBILITY = 30  # SQS's default, for a queue no function consumes
VISIBILITY_FACTOR = 6  # AWS: at least six times the function's timeout (plus the batching window)
RETENTION = (60, 1209600)  # SQS: one minute to 14 days
DEAD_LETTER_RETENTION = 1209600  # the longest SQS keeps a message: time to look at what failed


@dataclass(eq=False)
class SqsQueue(Source):
    given_arn: str | None = None
    fifo: bool = False
    queue_name: str | None = None
    visibility_timeout: int | None = None  # None: computed from the consumers (builders)
    retention_seconds: int | None = None  # None: SQS's default, 4 days
    max_receive_count: int | None = 5  # None: no dead-letter queue
    kms_key: str | None = None  # a customer-managed key's ARN; None: SQS-managed encryption (SSE-SQS)
    label: str = field(init=False, default="SQS queue")

    @classmethod
    def define(
        cls,
        w: Where,
        name: str,
        *,
        visibility_timeout: int | None,
        fifo: bool,
        queue_name: str | None,
        retention_seconds: int | None,
        max_receive_count: int | None,
        kms_key: str | None,
    ) -> SqsQueue:
        """A queue the stack creates, its fields checked."""
        w.boolean("fifo", fifo)
        if queue_name is not None:
            if fifo:
                w.text(
                    "queue_name",
                    queue_name,
                    max_len=80,
                    pattern=FIFO_NAME,
                    allowed="a FIFO queue's name: up to 75 letters, digits, '-' or '_', then '.fifo'",
                )
            elif isinstance(queue_name, str) and queue_name.endswith(".fifo"):
                raise w.fail(
                    "queue_name",
                    f"{queue_name!r} ends in .fifo but fifo=False; allowed: fifo=True "
                    "with a name ending in .fifo, or a name without it",
                )
            else:
                w.text(
                    "queue_name",
                    queue_name,
                    max_len=80,
                    pattern=QUEUE_NAME,
                    allowed="up to 80 letters, digits, '-' or '_'",
                )
            # The dead-letter queue is named after it: <name>-dlq(.fifo), within the same 80 characters.
            if max_receive_count is not None and len(queue_name) + len(DEAD_LETTER_SUFFIX) > 80:
                raise w.fail(
                    "queue_name",
                    f"{queue_name!r} leaves no room for its dead-letter queue's name "
                    f"(+{DEAD_LETTER_SUFFIX!r}); allowed: at most {80 - len(DEAD_LETTER_SUFFIX)} characters",
                )
        return cls(
            name,
            w.stack,
            fifo=fifo,
            queue_name=queue_name,
            visibility_timeout=None
            if visibility_timeout is None
            else w.int_range("visibility_timeout", visibility_timeout, 0, VISIBILITY_MAX),
            retention_seconds=None
            if retention_seconds is None
            else w.int_range("retention_seconds", retention_seconds, *RETENTION),
            max_receive_count=None
            if max_receive_count is None
            else w.int_range("max_receive_count", max_receive_count, 1, 1000),
            kms_key=None if kms_key is None else w.arn("kms_key", kms_key, ("kms-key",)),
        )

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None, *, kms_key: str | None = None) -> SqsQueue:
        """An existing queue; `kms_key` (its customer-managed key's ARN) lets the consumer decrypt."""
        check_existing_arn(arn, "sqs", "SqsQueue.from_arn")
        if kms_key is not None:
            check_existing_arn(kms_key, "kms-key", "SqsQueue.from_arn")
        physical = arn.rsplit(":", 1)[-1]
        return cls(
            ident=existing_name(name, physical.removesuffix(".fifo")),
            stack=None,
            given_arn=arn,
            fifo=physical.endswith(".fifo"),
            max_receive_count=None,
            kms_key=kms_key,
        )

    @property
    def url(self) -> Reference:
        """The queue's URL (`Ref`; for an existing queue, built from its ARN's region, account and name)."""
        if self.given_arn is None:
            return self._attr(names.queue(self.ident), None, "URL", names.queue_url_output(self.ident))
        parts = EXISTING_ARN.fullmatch(self.given_arn)
        assert parts is not None  # from_arn checked it
        region, account, queue = parts.groups()
        return self._literal(f"https://sqs.{region}.${{AWS::URLSuffix}}/{account}/{queue}", "URL")

    @property
    def arn(self) -> Reference:
        if self.given_arn is None:
            return self._attr(names.queue(self.ident), "Arn", "ARN", names.queue_arn_output(self.ident))
        return self._literal(self.given_arn, "ARN")

    @property
    def name(self) -> Reference:
        if self.given_arn is None:
            return self._attr(names.queue(self.ident), "QueueName", "name", names.queue_name_output(self.ident))
        return self._literal(self.given_arn.rsplit(":", 1)[-1], "name")

    def grant_send(self, fn: object) -> Grant:
        """SendMessage (and GetQueueUrl, GetQueueAttributes) on this queue, and its customer-managed key."""
        return grant(self, self.ident, fn, "send")

    def grant_consume(self, fn: object) -> Grant:
        """Receive, delete and change the visibility of this queue's messages (for code that polls it itself)."""
        return grant(self, self.ident, fn, "consume")

    def grant_statements(self, access: str) -> list[Statement]:
        return [
            Statement("sqs", ACTIONS["sqs", access], (self.arn,)),
            *kms(self.kms_key, "produce" if access == "send" else "decrypt"),
        ]

    def consumers(self) -> list[Function]:
        """The functions of this queue's stack that it triggers."""
        from cfngen.definitions.triggers import SqsTrigger

        stack = self.stack
        if stack is None:
            return []
        return [t.function for t in stack.triggers if isinstance(t, SqsTrigger) and t.source is self]

    def effective_visibility_timeout(self) -> int:
        """The given visibility timeout, else six times the longest consumer's timeout (capped at SQS's 12 hours)."""
        if self.visibility_timeout is not None:
            return self.visibility_timeout
        timeouts = [fn.timeout for fn in self.consumers()]
        return min(VISIBILITY_MAX, VISIBILITY_FACTOR * max(timeouts)) if timeouts else DEFAULT_VISIBILITY


def check_consumer(w: Where, queue: SqsQueue, fn: Function) -> None:
    """Lambda refuses a mapping from a queue whose visibility timeout is below the function's timeout."""
    if queue.visibility_timeout is not None and queue.visibility_timeout < fn.timeout:
        raise w.fail(
            "visibility_timeout",
            f"queue {queue.ident}'s visibility timeout ({queue.visibility_timeout} s) is below {fn.name}'s timeout "
            f"({fn.timeout} s), and Lambda refuses the mapping; allowed: at least {fn.timeout} s",
            hint=f"leave visibility_timeout unset: cfngen then uses {VISIBILITY_FACTOR}x the longest consumer's "
            "timeout, as AWS advises",
        )


def check_remote_consumer(w: Where, queue: SqsQueue, fn: Function) -> None:
    """The same rule for a queue of another stack, whose visibility timeout that stack sets (its default counts only
    its own consumers)."""
    assert queue.stack is not None
    visibility = queue.effective_visibility_timeout()
    if visibility < fn.timeout:
        raise w.fail(
            "source",
            f"queue {queue.ident} of stack {queue.stack.name} has a visibility timeout of {visibility} s, below "
            f"{fn.name}'s timeout ({fn.timeout} s), and Lambda refuses the mapping",
            hint=f"set sqs_queue({queue.ident!r}, visibility_timeout=...) in stack {queue.stack.name} to at least "
            f"{VISIBILITY_FACTOR * fn.timeout} ({VISIBILITY_FACTOR}x {fn.name}'s timeout, as AWS advises)",
        )
