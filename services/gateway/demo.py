"""Demo accounts, one per role, for `make run` (demo mode only)."""

from __future__ import annotations

from services.gateway.handlers import auth
from shared.actors import ROLE_NAMES

DEMO_PASSWORD = "guiyan-demo-2026"
DEMO_ACCOUNTS = [
    auth.UserCreate(username="admin", password=DEMO_PASSWORD, role="admin", display_name="系统管理员"),
    auth.UserCreate(username="city_official", password=DEMO_PASSWORD, role="official",
                    display_name="内江市返乡创业服务中心 王主任", region_code="511000", level="city"),
    auth.UserCreate(username="county_official", password=DEMO_PASSWORD, role="official",
                    display_name="东兴区人社局 李科长", region_code="511011", level="county"),
    auth.UserCreate(username="county_head", password=DEMO_PASSWORD, role="official",
                    display_name="东兴区人社局 刘局长", region_code="511011", level="county", unit_head=True),
    auth.UserCreate(username="township_head", password=DEMO_PASSWORD, role="official",
                    display_name="郭北镇 周镇长", region_code="511011101", level="township", unit_head=True),
    auth.UserCreate(username="township_official", password=DEMO_PASSWORD, role="official",
                    display_name="郭北镇便民服务中心 张干事", region_code="511011101", level="township"),
    auth.UserCreate(username="bank_liaison", password=DEMO_PASSWORD, role="bank_liaison",
                    display_name="内江农商银行 赵经理", bank_code="NJRCB"),
    auth.UserCreate(username="bank_checker", password=DEMO_PASSWORD, role="bank_liaison",
                    display_name="内江农商银行 钱复核", bank_code="NJRCB"),
    auth.UserCreate(username="13800000001", password=DEMO_PASSWORD, role="entrepreneur",
                    display_name="陈大姐"),
    # a second city on the same system, its own programme beside 内江's; and the province above both
    auth.UserCreate(username="mianyang_city_official", password=DEMO_PASSWORD, role="official",
                    display_name="绵阳市返乡创业服务中心 何主任", region_code="510700", level="city"),
    auth.UserCreate(username="mianyang_township_official", password=DEMO_PASSWORD, role="official",
                    display_name="石马镇便民服务中心 吴干事", region_code="510704101", level="township"),
    auth.UserCreate(username="mianyang_bank_liaison", password=DEMO_PASSWORD, role="bank_liaison",
                    display_name="绵阳市商业银行 郑经理", bank_code="MYCCB"),
    auth.UserCreate(username="13800000002", password=DEMO_PASSWORD, role="entrepreneur",
                    display_name="李大哥"),
    auth.UserCreate(username="province_official", password=DEMO_PASSWORD, role="official",
                    display_name="四川省人社厅就业促进处 孙处长", region_code="510000", level="province"),
]


def ensure_demo_accounts(session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing (the caller commits); (username, password, role name)."""
    for account in DEMO_ACCOUNTS:
        if not auth.username_taken(session, account.username):
            auth.create_user(session, account)
    return [(a.username, a.password, f"{ROLE_NAMES[a.role]} {a.display_name}") for a in DEMO_ACCOUNTS]
