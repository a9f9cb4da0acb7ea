"""The gateway is one class mixed from many route classes: a method name used twice would silently
hide one route behind the other (a page or an endpoint that answers 404 or the wrong thing)."""

from collections import Counter

from services.gateway.service import GatewayService


def test_no_two_route_classes_of_the_gateway_define_the_same_method():
    mixins = [cls for cls in GatewayService.__mro__ if cls.__module__.startswith("services.gateway.")]
    names = Counter(name for cls in mixins for name, value in vars(cls).items()
                    if callable(value) and not name.startswith("__"))
    assert [name for name, count in names.items() if count > 1] == []
