"""OpenAPI 3.1 and AsyncAPI 3.0 documents generated from the pydantic models and the route table."""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from functools import cache, lru_cache

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from shared.events import Envelope, catalogue

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "field", "message"], "properties": {
        "code": {"type": "string", "description": "稳定的错误代码，如 id_number_checksum"},
        "field": {"type": ["string", "null"], "description": "出错的字段"},
        "message": {"type": "string", "description": "中文说明"},
        "details": {"type": ["array", "object"], "items": {"type": "object"},
                    "description": "输入不符合规则时为每个字段的错误；冲突或服务不可用时为说明，如 existing_id、service"},
    }}},
}

# statuses only some routes answer with, declared on the route as `errors=[...]`; every
# authenticated route may call a service, so each of them declares 503 too
OCCASIONAL_ERRORS: dict[int, dict] = {
    429: {"description": "尝试过多，请按 Retry-After 等待后再试",
          "headers": {"Retry-After": {"description": "需等待的秒数", "schema": {"type": "integer"}}}},
    503: {"description": "所需的服务暂时不可用，请稍后重试（重试提交不会重复登记）"},
}


class DocumentedSchema(GenerateJsonSchema):
    """A model's description is its docstring, read from its source where the process runs without
    docstrings (the runner's `python -OO`), so that both documents say the same in every process."""

    def model_schema(self, schema):
        json_schema = super().model_schema(schema)
        if "description" not in json_schema and (docstring := source_docstring(schema["cls"])):
            json_schema["description"] = docstring
        return json_schema


@cache
def source_docstring(cls: type) -> str | None:
    """The class's docstring as its source has it, cleaned as pydantic cleans `__doc__`; None where the
    interpreter kept docstrings (the class's own `__doc__` is then the answer) or there is no source."""
    if sys.flags.optimize < 2:
        return None
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):  # made at run time (pydantic's create_model): its __doc__ was given
        return None
    node = ast.parse(textwrap.dedent(source)).body[0]
    return ast.get_docstring(node) if isinstance(node, ast.ClassDef) else None


def _path(werkzeug_path: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", werkzeug_path)


def _operation(route, names: dict) -> dict:
    operation: dict = {"summary": route.summary, "tags": [route.tag],
                       "operationId": re.sub(r"\W+", "_", f"{route.method}_{route.path}").strip("_")}
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer" if converter == "int:" else "string"}}
              for converter, name in re.findall(r"<(\w+:)?(\w+)>", route.path)]
    if route.query is not None:
        for name, field in route.query.model_fields.items():
            params.append({"name": name, "in": "query", "required": False,
                           "schema": {"type": "integer" if field.annotation is int else "string"}})
    if route.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "maxLength": 200},
                       "description": "重复提交时返回第一次的结果"})
    if params:
        operation["parameters"] = params
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": names[route.body]}}}}
    ok: dict = {"description": "成功"}
    if route.response is not None:
        ok["content"] = {"application/json": {"schema": {"$ref": names[route.response]}}}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation["responses"] = {str(route.status): ok,
                              "422": {"description": "输入不符合规则", **error},
                              "409": {"description": "冲突（重复登记、版本过期）", **error},
                              "404": {"description": "不存在或无权查看", **error}}
    for status, model in route.also.items():
        operation["responses"][str(status)] = {"description": "已受理", "content": {"application/json": {
            "schema": {"$ref": names[model]}}}}
    if not route.public:
        operation["security"] = [{"bearer": []}]
        operation["responses"]["401"] = {"description": "未登录或令牌无效", **error}
        operation["responses"]["403"] = {"description": "无权操作", **error}
        operation["responses"]["503"] = {**OCCASIONAL_ERRORS[503], **error}
    if route.body is not None or route.path.endswith("/attachments"):  # the limits of http.limit_body
        operation["responses"]["413"] = {"description": "请求内容过大", **error}
    for status in route.errors:
        operation["responses"][str(status)] = {**OCCASIONAL_ERRORS.get(status, {"description": "出错"}), **error}
    return operation


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    from services.gateway.http import API_ROUTES

    models = {m for r in API_ROUTES for m in (r.body, r.response, *r.also.values()) if m is not None}
    refs, schema = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                      ref_template="#/components/schemas/{model}",
                                      schema_generator=DocumentedSchema)
    names = {model: ref["$ref"] for (model, _), ref in refs.items()}
    paths: dict = {}
    for route in API_ROUTES:
        paths.setdefault(_path(route.path), {})[route.method.lower()] = _operation(route, names)
    components = dict(schema.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": "归雁 Guiyan 返乡创业服务平台 API", "version": "1.0.0",
                 "description": "返乡创业者登记、核实与经营主体管理。错误统一为 {\"error\": {code, field, message}}。"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/login 取得"}}},
    }


@lru_cache(maxsize=1)
def asyncapi_document() -> dict:
    channels, messages, operations = {}, {}, {}
    for (event_type, version), model in sorted(catalogue().items()):
        key = f"{event_type}_v{version}"
        messages[key] = {"name": event_type, "title": f"{event_type} v{version}",
                         "payload": {"allOf": [Envelope.model_json_schema(schema_generator=DocumentedSchema),
                                               {"properties": {"payload": model.model_json_schema(
                                                   schema_generator=DocumentedSchema)}}]}}
        channels[key] = {"address": f"{model.source}.events/{event_type}",
                         "messages": {key: {"$ref": f"#/components/messages/{key}"}}}
        operations[f"publish_{key}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"}}
    return {"asyncapi": "3.0.0",
            "info": {"title": "归雁 Guiyan 事件目录", "version": "1.0.0",
                     "description": "Topic exchange `<service>.events`, routing key = event type; "
                                    "persistent JSON messages in the envelope below."},
            "channels": channels, "operations": operations, "components": {"messages": messages}}
