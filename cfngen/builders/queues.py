"""Resources for SQS queues the stack creates: the queue, its dead-letter queue and its TLS-only policy.

Both queues are encrypted at rest (SQS-managed keys, or the customer-managed key given) and refuse requests
without TLS (an `AWS::SQS::QueuePolicy` denying `aws:SecureTransport` false, as buckets do). The visibility
timeout is computed here, once every consumer is known (definitions/queues.py).
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Ref, Template, sqs

from cfngen import names
from cfngen.builders import iam, scanner
from cfngen.definitions import SqsQueue
from cfngen.definitions.queues import DEAD_LETTER_RETENTION, DEAD_LETTER_SUFFIX


def add_queue(t: Template, q: SqsQueue) -> None:
    encryption: dict[str, object] = (
        {"SqsManagedSseEnabled": True} if q.kms_key is None else {"KmsMasterKeyId": iam.value(q.kms_key)}
    )
    fifo: dict[str, object] = {"FifoQueue": True} if q.fifo else {}
    props: dict[str, object] = {**encryption, **fifo, "VisibilityTimeout": q.effective_visibility_timeout()}
    if q.queue_name is not None:
        props["QueueName"] = q.queue_name
    if q.retention_seconds is not None:
        props["MessageRetentionPeriod"] = q.retention_seconds
    arns: list[object] = [GetAtt(names.queue(q.ident), "Arn")]
    refs: list[object] = [Ref(names.queue(q.ident))]
    if q.max_receive_count is not None:
        dlq_props: dict[str, object] = {**encryption, **fifo, "MessageRetentionPeriod": DEAD_LETTER_RETENTION}
        if q.queue_name is not None:
            base = q.queue_name.removesuffix(".fifo")
            dlq_props["QueueName"] = base + DEAD_LETTER_SUFFIX + (".fifo" if q.fifo else "")
        dlq = sqs.Queue(names.dead_letter_queue(q.ident), **dlq_props)
        scanner.skip(dlq, *_waivers(q))
        t.add_resource(dlq)
        props["RedrivePolicy"] = sqs.RedrivePolicy(
            deadLetterTargetArn=GetAtt(dlq, "Arn"), maxReceiveCount=q.max_receive_count
        )
        arns.append(GetAtt(dlq, "Arn"))
        refs.append(Ref(dlq))
        t.add_output(Output(names.dead_letter_queue_url_output(q.ident), Value=Ref(dlq)))
    queue = sqs.Queue(names.queue(q.ident), **props)
    scanner.skip(queue, *_waivers(q))
    t.add_resource(queue)
    t.add_resource(
        sqs.QueuePolicy(
            names.queue_policy(q.ident),
            Queues=refs,
            PolicyDocument=iam.deny_insecure_transport(*arns, service="sqs"),
        )
    )
    t.add_output(Output(names.queue_url_output(q.ident), Value=Ref(queue)))
    t.add_output(Output(names.queue_arn_output(q.ident), Value=GetAtt(queue, "Arn")))
    t.add_output(Output(names.queue_name_output(q.ident), Value=GetAtt(queue, "QueueName")))


def _waivers(q: SqsQueue) -> list[str]:
    return [] if q.kms_key is not None else ["queue-sqs-key"]
