"""The admin page's customers tab: customers, delivered quantities, a customer's own working-time clock, the
follow-up rule; each through the page, each as the store then holds it."""
import pytest
import streamlit as st

from qr import store
from tests.app.signing import app_as
from tests.app.driving import submit
from tests.app.test_admin_page import _admin_page


@pytest.fixture
def admin_plant(plant):
    st.cache_data.clear()
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    return {**plant, "admin": admin.person_id}


def test_an_admin_adds_a_customer_its_deliveries_and_its_own_clock(admin_plant):
    at = _admin_page(admin_plant)
    at.text_input(key="customer_code").input("SGM")
    at.text_input(key="customer_name_zh").input("上汽通用")
    at.text_input(key="customer_site").input("金桥工厂")
    at = submit(at, "new_customer")
    sgm = next(c for c in store.customers() if c.code == "SGM")
    assert (sgm.name_zh, sgm.site, sgm.active) == ("上汽通用", "金桥工厂", True)
    today = store.today()
    at.number_input(key=f"delivery_quantity_{sgm.id}").set_value(120000)
    at = submit(at, f"delivery_{sgm.id}")
    assert store.deliveries().values.tolist() == [[sgm.id, today.replace(day=1), 120000]]
    complaint = admin_plant["categories"]["complaint"].id
    at.selectbox(key=f"customer_rule_category_{sgm.id}").set_value(complaint)
    at.text_input(key=f"customer_rule_code_{sgm.id}").input("on_site")
    at.text_input(key=f"customer_rule_zh_{sgm.id}").input("到现场")
    at.text_input(key=f"customer_rule_en_{sgm.id}").input("On site")
    at.number_input(key=f"customer_rule_limit_{sgm.id}").set_value(2880)
    at.checkbox(key=f"customer_rule_working_{sgm.id}").check()
    at = submit(at, f"customer_rule_{sgm.id}")
    rule = next(r for r in store.all_response_rules() if r["customer_id"] == sgm.id)
    assert (rule["category_id"], rule["code"], rule["limit_minutes"], rule["working_time"]) == \
        (complaint, "on_site", 2880, True)
    at.checkbox(key=f"customer_active_{sgm.id}").uncheck()
    submit(at, f"edit_customer_{sgm.id}")
    assert store.customers(active_only=True) == []


def test_the_follow_up_rule_is_set_on_the_customers_tab(admin_plant):
    at = _admin_page(admin_plant)
    at.radio(key="unsolved_action").set_value("flag")
    at.number_input(key="open_after_days").set_value(0)
    submit(at, "follow_up_rule")
    rule = store.board_settings().follow_up_rule
    assert (rule.unsolved, rule.open_after_days, rule.open_every_days) == ("flag", 0, 15)


def test_a_delivery_of_nothing_is_refused_in_words(admin_plant):
    sgm = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用")
    at = _admin_page(admin_plant)
    at.number_input(key=f"delivery_quantity_{sgm.id}").set_value(0)
    at = submit(at, f"delivery_{sgm.id}")
    assert [e.value for e in at.error] == ["“交付数量”须为正整数。"]
    assert store.deliveries().empty


def test_the_trends_page_shows_the_customers_month(admin_plant):
    sgm = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用")
    today = store.today()
    store.set_delivery(actor_id=None, customer_id=sgm.id, month=today.replace(day=1), quantity=40_000)
    store.create_issue(actor_id=admin_plant["owner"].id, description="客户投诉：卡扣断裂",
                       category_id=admin_plant["categories"]["complaint"].id, area_id=admin_plant["area"].id,
                       severity="B", owner_id=admin_plant["owner"].id, lead_id=admin_plant["lead"].id, opened_on=today,
                       next_report_on=today, template_id=admin_plant["templates"]["minor"].id, customer_id=sgm.id,
                       defect_quantity=2)
    at = app_as(admin_plant["admin"])
    at.run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception, [e.message for e in at.exception]
    ppm = next(d.value for d in at.dataframe if "PPM" in d.value.columns)
    assert ppm.values.tolist() == [["SGM", "上汽通用", 2, 40_000, 50.0]]          # 2 of 40,000 = 50 PPM
