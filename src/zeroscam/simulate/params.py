"""The world's knobs: sizes per scale, and rates drawn per seed.

Every rate is drawn from a range with the seed's generator, so two seeds give
worlds that differ in more than noise (reporting rate, ring counts, mule tiers,
look-alike shares, delays). `truth/params.json` records the values drawn.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

SCALES = ("tiny", "small", "medium", "large")


@dataclass(frozen=True)
class ScaleSpec:
    persons: int
    days: int
    honest_txns: int      # target count of ordinary transactions (scam flows come on top)
    honest_cdrs: int      # target count of ordinary call/SMS records
    rings: int            # mean number of scam rings
    victims_per_ring: int  # mean victims per ring
    cells_per_weight: float


SCALE_SPECS: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec(persons=600, days=14, honest_txns=2_800, honest_cdrs=3_000, rings=3,
                      victims_per_ring=6, cells_per_weight=1.0),
    "small": ScaleSpec(persons=9_000, days=30, honest_txns=140_000, honest_cdrs=120_000, rings=14,
                       victims_per_ring=25, cells_per_weight=4.0),
    "medium": ScaleSpec(persons=60_000, days=45, honest_txns=1_800_000, honest_cdrs=1_600_000, rings=40,
                        victims_per_ring=60, cells_per_weight=12.0),
    "large": ScaleSpec(persons=260_000, days=60, honest_txns=10_300_000, honest_cdrs=10_300_000, rings=110,
                       victims_per_ring=90, cells_per_weight=30.0),
}

# Thai police categories, relative frequency (online shopping most frequent) and
# loss profile per payment (median baht, log-sd) and payments per victim (min, max).
SCAM_TYPES = ("online_shopping", "investment", "job", "call_centre", "loan", "romance",
              "impersonation", "reward", "malicious_app")
SCAM_FREQ = np.array([0.30, 0.12, 0.14, 0.12, 0.09, 0.06, 0.07, 0.05, 0.05])
SCAM_LOSS = {  # median per payment, sigma, max payments, victim age centre (years)
    "online_shopping": (1_400, 0.9, 2, 30),
    "investment": (70_000, 1.0, 6, 52),
    "job": (4_000, 1.0, 5, 27),
    "call_centre": (45_000, 1.0, 3, 60),
    "loan": (2_500, 0.8, 3, 38),
    "romance": (25_000, 1.0, 6, 50),
    "impersonation": (15_000, 1.0, 2, 45),
    "reward": (1_800, 0.9, 2, 40),
    "malicious_app": (70_000, 1.0, 2, 55),
}
# How rings reach victims: "call" (caller SIMs / VoIP talk to the victim), "sms" (blasts with links), "online".
SCAM_CONTACT = {
    "online_shopping": "online", "investment": "online", "job": "sms", "call_centre": "call",
    "loan": "sms", "romance": "online", "impersonation": "call", "reward": "sms", "malicious_app": "sms",
}

# Bank codes with market-share weights (big banks big).
BANKS = np.array(["004", "014", "002", "006", "025", "011", "030", "022", "024", "033", "034", "069", "067",
                  "073", "071", "070", "066", "017", "020"])
BANK_SHARE = np.array([19.0, 17.0, 15.0, 14.0, 9.0, 8.0, 10.0, 1.5, 1.5, 1.5, 2.0, 0.6, 0.4, 0.3, 0.3,
                       0.2, 0.2, 0.1, 0.1])
OPERATORS = np.array(["AIS", "TRUE", "NT"])


@dataclass
class WorldParams:
    scale: str
    seed: int
    persons: int
    days: int
    honest_txns: int
    honest_cdrs: int
    n_rings: int
    victims_per_ring: float
    operator_share: list[float] = field(default_factory=list)
    accounts_per_person: list[float] = field(default_factory=list)   # P(1), P(2), P(3)
    employed_share: float = 0.6
    passthrough_share: float = 0.25        # of the employed: rent and money home right after pay
    seller_share: float = 0.02
    merchant_per_person: float = 0.02
    crypto_buyer_share: float = 0.03
    multi_sim_share: float = 0.08
    phone_change_share: float = 0.04
    border_resident_share: float = 0.01
    new_account_share: float = 0.01
    dormant_account_share: float = 0.15     # of accounts: opened long ago, unused in the window
    courier_pool_sims: int = 0
    callcentre_pool_sims: int = 0
    mix: dict = field(default_factory=dict)  # share of free-form honest transactions by kind
    report_rate: float = 0.45               # victims who ever report
    report_delay_median_h: float = 18.0
    report_delay_sigma: float = 1.1
    report_with_txn_id: float = 0.6
    english_share: float = 0.15
    mistaken_report_share: float = 0.04     # mistaken reports, per true report
    tier_shares: list[float] = field(default_factory=list)   # new, dormant, nominee_old
    sold_nominee_share: float = 0.4          # nominees who are ordinary people that sold an account
    hop_delay_median_min: float = 6.0
    voip_share: float = 0.3                  # rings that also call from +697 VoIP
    farm_border_share: float = 0.6           # SIM farms near a border (rest in a city)
    crypto_cashout_share: float = 0.35       # rings cashing out to crypto exchanges
    test_credit_share: float = 0.7           # mule accounts that receive a test credit first
    ring_device_share: tuple = (0.3, 0.8)    # per ring: P(all mule accounts run from the ring's phones)
    ring_size_sigma: float = 0.9             # log-sd of victims per ring
    savings_circles_per_person: float = 0.004  # rotating savings groups (share circles) per person
    sme_marketing_per_person: float = 0.002    # shop owners texting customers from several SIMs
    dropship_share: float = 0.35             # online sellers who forward each order to their supplier
    own_transfer_rate: float = 0.15          # transfers between one's own accounts, per friend payment

    def to_dict(self) -> dict:
        return asdict(self)


def draw_params(scale: str, seed: int, rng: np.random.Generator) -> WorldParams:
    """Draw the knobs of one world."""
    spec = SCALE_SPECS[scale]
    u = rng.uniform
    # large must keep at least 10M transactions and 10M call records
    size_factor = u(1.0, 1.12) if scale == "large" else u(0.9, 1.1)
    ais = u(0.42, 0.48)
    true_ = u(0.37, 0.42)
    acc = rng.dirichlet([50, 33, 17])
    tiers = rng.dirichlet([5, 2.5, 2.5])
    mix_keys = ["p2p", "merchant", "seller_sale", "atm", "crypto", "cash_in", "family_far"]
    mix_base = np.array([30, 32, 10, 10, 2, 1.5, 4])
    mix = rng.dirichlet(mix_base * 8)
    courier_pools = max(3, int(spec.persons * u(0.002, 0.005)))
    return WorldParams(
        scale=scale, seed=seed, persons=spec.persons, days=spec.days,
        honest_txns=int(spec.honest_txns * size_factor), honest_cdrs=int(spec.honest_cdrs * size_factor),
        n_rings=max(2, int(spec.rings * 0.7) + int(rng.poisson(spec.rings * 0.3))),
        victims_per_ring=float(spec.victims_per_ring * u(0.7, 1.4)),
        operator_share=[round(ais, 4), round(true_, 4), round(1 - ais - true_, 4)],
        accounts_per_person=[round(float(x), 4) for x in acc],
        employed_share=u(0.5, 0.7), passthrough_share=u(0.15, 0.35), seller_share=u(0.01, 0.03),
        merchant_per_person=u(0.01, 0.03), crypto_buyer_share=u(0.02, 0.05), multi_sim_share=u(0.05, 0.12),
        phone_change_share=u(0.02, 0.06), border_resident_share=u(0.005, 0.02), new_account_share=u(0.005, 0.02),
        dormant_account_share=u(0.1, 0.25),
        courier_pool_sims=courier_pools, callcentre_pool_sims=max(2, int(courier_pools * u(0.4, 1.0))),
        mix={k: round(float(v), 4) for k, v in zip(mix_keys, mix)},
        report_rate=u(0.3, 0.65), report_delay_median_h=u(12, 26), report_delay_sigma=u(0.8, 1.4),
        report_with_txn_id=u(0.4, 0.75), english_share=u(0.08, 0.25), mistaken_report_share=u(0.02, 0.08),
        tier_shares=[round(float(x), 4) for x in tiers], sold_nominee_share=u(0.2, 0.6),
        hop_delay_median_min=u(3, 15), voip_share=u(0.15, 0.5), farm_border_share=u(0.4, 0.8),
        crypto_cashout_share=u(0.2, 0.5), test_credit_share=u(0.4, 0.9),
        ring_device_share=(round(u(0.1, 0.5), 4), round(u(0.6, 1.0), 4)), ring_size_sigma=u(0.6, 1.2),
        savings_circles_per_person=u(0.002, 0.006), sme_marketing_per_person=u(0.001, 0.004),
        dropship_share=u(0.2, 0.5), own_transfer_rate=u(0.08, 0.25),
    )
