"""Demo data: a few online appointments waiting for the connection team's answer."""
from __future__ import annotations

from datetime import timedelta

from ..services.app_clock import as_of, now
from .commands import AppointmentRequest, submit

REQUESTS = [
    ("company", "芜湖某食品有限公司", "李经理", "13955536789", "芜湖市弋江区花津南路 18 号",
     "business", "厂房二期，需 DN50 接口"),
    ("person", "王女士", "王女士", "13805531122", "芜湖市镜湖区赭山东路 66 号", "domestic", ""),
    ("company", "芜湖某建设工程有限公司", "赵工", "0553-5876543", "芜湖市鸠江区官陡街道 3 号地块",
     "construction", "施工临时用水，约 6 个月"),
]


def load_appointments() -> int:
    """Three appointments received in the last working hours (one nearly due)."""
    moment = now()
    for hours, (kind, name, contact, phone, address, purpose, note) in zip(
            (20, 3, 1), REQUESTS, strict=True):
        with as_of(moment - timedelta(hours=hours)):
            submit(AppointmentRequest(customer_type=kind, customer_name=name,
                                      contact_name=contact, contact_phone=phone,
                                      address=address, purpose=purpose, note=note,
                                      preferred_at=moment + timedelta(days=2)))
    return len(REQUESTS)
