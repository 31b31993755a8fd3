"""Places: provinces with population weights, cell sites, and distance to the land border.

Coordinates are approximate centroids; the border is a coarse list of points
along Thailand's land borders (Myanmar, Laos, Cambodia, Malaysia). Border towns
are placed next to those points so that cells near them have small `border_km`.
"""

from __future__ import annotations

import numpy as np

# name, lat, lon, population weight, is a border town (scam compounds across the border)
PROVINCES: list[tuple[str, float, float, float, bool]] = [
    ("Bangkok", 13.7563, 100.5018, 16.0, False),
    ("Nonthaburi", 13.8591, 100.5217, 3.5, False),
    ("Samut Prakan", 13.5991, 100.5998, 3.5, False),
    ("Pathum Thani", 14.0208, 100.5250, 3.0, False),
    ("Chon Buri", 13.3611, 100.9847, 4.0, False),
    ("Chiang Mai", 18.7883, 98.9853, 4.0, False),
    ("Khon Kaen", 16.4419, 102.8360, 3.5, False),
    ("Nakhon Ratchasima", 14.9799, 102.0978, 4.5, False),
    ("Udon Thani", 17.4138, 102.7870, 3.0, False),
    ("Ubon Ratchathani", 15.2287, 104.8564, 3.0, False),
    ("Songkhla", 7.1898, 100.5951, 2.5, False),
    ("Surat Thani", 9.1382, 99.3217, 2.0, False),
    ("Phuket", 7.8804, 98.3923, 1.5, False),
    ("Nakhon Si Thammarat", 8.4304, 99.9631, 2.5, False),
    ("Phitsanulok", 16.8211, 100.2659, 1.5, False),
    ("Rayong", 12.6814, 101.2816, 1.5, False),
    ("Ayutthaya", 14.3532, 100.5689, 1.5, False),
    ("Buri Ram", 14.9930, 103.1029, 2.5, False),
    ("Si Sa Ket", 15.1186, 104.3220, 2.5, False),
    ("Sa Kaeo", 13.8240, 102.0646, 1.0, False),
    ("Tak", 16.8840, 99.1258, 1.0, False),
    ("Chiang Rai", 19.9105, 99.8406, 2.0, False),
    ("Kanchanaburi", 14.0228, 99.5328, 1.5, False),
    ("Trat", 12.2428, 102.5175, 0.5, False),
    ("Chanthaburi", 12.6114, 102.1039, 1.0, False),
    ("Surin", 14.8818, 103.4936, 2.0, False),
    ("Ranong", 9.9529, 98.6085, 0.3, False),
    ("Nong Khai", 17.8783, 102.7420, 0.8, False),
    # border towns: (province, town) next to the line
    ("Sa Kaeo", 13.6801, 102.5402, 0.35, True),        # Aranyaprathet / Poipet
    ("Tak", 16.7130, 98.5730, 0.45, True),             # Mae Sot / Myawaddy
    ("Chiang Rai", 20.4290, 99.8830, 0.30, True),      # Mae Sai / Tachileik
    ("Chiang Rai", 20.2720, 100.0850, 0.15, True),     # Chiang Saen / Golden Triangle
    ("Kanchanaburi", 15.1560, 98.4550, 0.10, True),    # Sangkhla Buri / Three Pagodas
    ("Trat", 11.6580, 102.9050, 0.12, True),           # Hat Lek / Koh Kong
    ("Surin", 14.4200, 103.5500, 0.10, True),          # Chong Chom / O'Smach
    ("Ranong", 9.9600, 98.5900, 0.10, True),           # Ranong / Kawthaung
]

# Coarse points on the land border (lat, lon).
BORDER_POINTS = np.array([
    # Myanmar (west and north)
    (20.44, 99.89), (20.35, 100.10), (19.60, 97.95), (18.60, 97.75), (17.70, 97.85), (16.71, 98.54),
    (16.00, 98.80), (15.30, 98.30), (15.16, 98.44), (14.30, 98.95), (13.30, 99.15), (12.20, 99.40),
    (11.20, 99.20), (10.30, 98.75), (9.96, 98.57),
    # Laos (north-east, the Mekong)
    (20.20, 100.45), (19.50, 101.20), (18.40, 101.05), (17.88, 102.74), (17.40, 104.80),
    (16.50, 104.75), (15.40, 105.55), (14.40, 105.20),
    # Cambodia (east)
    (14.35, 104.60), (14.42, 103.55), (14.30, 103.00), (14.10, 102.80), (13.68, 102.56),
    (13.10, 102.45), (12.60, 102.48), (11.66, 102.91),
    # Malaysia (south)
    (6.70, 100.20), (6.45, 100.80), (6.05, 101.35), (6.25, 101.95),
])


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (vectorised)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def border_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest border point, km."""
    d = haversine_km(lat[:, None], lon[:, None], BORDER_POINTS[None, :, 0], BORDER_POINTS[None, :, 1])
    return d.min(axis=1)


def make_cells(rng: np.random.Generator, cells_per_weight: float) -> dict[str, np.ndarray]:
    """Cell sites scattered around each place; a place gets cells in proportion to its weight."""
    names, ids, lats, lons, place = [], [], [], [], []
    for p, (prov, lat, lon, weight, border) in enumerate(PROVINCES):
        n = max(2, round(weight * cells_per_weight))
        spread = 0.02 if border else 0.12
        la = lat + rng.normal(0, spread, n)
        lo = lon + rng.normal(0, spread, n)
        if border:  # keep border-town cells on the Thai side of the line, close to it
            la = lat + rng.normal(0, 0.01, n)
            lo = lon + rng.normal(0, 0.01, n)
        code = "".join(w[0] for w in prov.split()).upper() + ("B" if border else "")
        for i in range(n):
            ids.append(f"{code}-{p:02d}{i:04d}")
        names.extend([prov] * n)
        lats.append(la)
        lons.append(lo)
        place.extend([p] * n)
    lat = np.round(np.concatenate(lats), 5)
    lon = np.round(np.concatenate(lons), 5)
    return {
        "cell_id": np.array(ids, dtype=object),
        "lat": lat,
        "lon": lon,
        "province": np.array(names, dtype=object),
        "border_km": np.round(border_km(lat, lon), 2),
        "place": np.array(place, dtype=np.int64),
    }


def place_weights() -> np.ndarray:
    w = np.array([p[3] for p in PROVINCES], dtype=float)
    return w / w.sum()


def border_places() -> np.ndarray:
    return np.array([i for i, p in enumerate(PROVINCES) if p[4]], dtype=np.int64)


def city_places() -> np.ndarray:
    """Big cities where SIM farms also hide (Bangkok and around)."""
    return np.array([0, 1, 2, 3, 4], dtype=np.int64)
