"""Optional OpenTelemetry tracing for `tutor serve`."""

from __future__ import annotations

import os
from typing import Any


def tracer_provider() -> Any | None:
    """OpenTelemetry spans with GenAI attribute names, only when an OTLP endpoint is configured and the
    SDK is installed (it is optional: nothing here needs it)."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        if os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").startswith("http"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        else:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME",
                                                                                       "roadmap-tutor")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
