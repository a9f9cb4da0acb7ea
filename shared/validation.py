"""Pydantic at the edges: turn validation failures into `InvalidInput` naming field and rule."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from shared.errors import DomainError, InvalidInput

Model = TypeVar("Model", bound=BaseModel)

MESSAGES = {
    "missing": ("required", "此项必填"),
    "string_too_short": ("too_short", "内容过短"),
    "string_too_long": ("too_long", "内容过长"),
    "string_type": ("not_text", "应为文字"),
    "int_parsing": ("not_integer", "应为整数"),
    "int_type": ("not_integer", "应为整数"),
    "int_from_float": ("not_integer", "应为整数"),
    "decimal_parsing": ("not_number", "应为数字"),
    "decimal_type": ("not_number", "应为数字"),
    "decimal_max_places": ("too_many_decimals", "小数位数过多"),
    "greater_than_equal": ("too_small", "数值过小"),
    "greater_than": ("too_small", "数值过小"),
    "less_than_equal": ("too_large", "数值过大"),
    "less_than": ("too_large", "数值过大"),
    "date_from_datetime_parsing": ("not_date", "应为日期（年-月-日）"),
    "date_parsing": ("not_date", "应为日期（年-月-日）"),
    "date_type": ("not_date", "应为日期（年-月-日）"),
    "enum": ("not_allowed", "不是可选的值"),
    "literal_error": ("not_allowed", "不是可选的值"),
    "list_type": ("not_list", "应为列表"),
    "string_pattern_mismatch": ("bad_format", "格式不正确"),
    "extra_forbidden": ("unknown_field", "不认识的字段"),
    "model_type": ("not_object", "应为对象"),
    "dict_type": ("not_object", "应为对象"),
    "bool_parsing": ("not_boolean", "应为是或否"),
    "bool_type": ("not_boolean", "应为 true 或 false"),
    "too_long": ("too_many", "项目过多"),
    "too_short": ("too_few", "至少填写或选择一项"),
    "uuid_parsing": ("not_uuid", "编号格式不正确"),
}


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or None
        if error["type"] not in MESSAGES and (error.get("ctx") or {}).get("domain"):
            errors.append({"code": error["type"], "field": field, "message": error["msg"]})
            continue
        code, message = MESSAGES.get(error["type"], ("invalid", "填写不正确"))
        errors.append({"code": code, "field": field, "message": message})
    return errors


def parse(model: type[Model], data: Any) -> Model:
    """Validate `data` into `model`, or raise InvalidInput for the first failure, with all in details."""
    if isinstance(data, model):
        return data
    if not isinstance(data, dict):
        raise InvalidInput("body_not_object", None, "请求内容应为JSON对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        first = errors[0]
        raise InvalidInput(first["code"], first["field"], first["message"], details=errors) from None


def domain_check(check, value, *args, **kwargs):
    """Run a domain check inside a pydantic validator, keeping its code and Chinese message."""
    try:
        return check(value, *args, **kwargs)
    except DomainError as exc:
        raise PydanticCustomError(exc.code, exc.message, {"domain": True}) from None
