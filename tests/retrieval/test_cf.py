"""Collaborative filtering on the real bundled ratings (MovieLens latest-small, 100,836 ratings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrieval.catalogue_types import Catalogue
from retrieval.cf import CFModels, CFParams, ratings_fingerprint
from retrieval.cf.models import Algo
from retrieval.errors import CannotScoreError, StoreUnavailableError

TOY_STORY, TOY_STORY_2, SHAWSHANK = 1, 3114, 318
ALGOS: tuple[Algo, ...] = ("svd", "knn")


@pytest.fixture(scope="module")
def cf_models(bundled_catalogue: Catalogue) -> CFModels:
    """Trained on the whole bundled catalogue (a minute on 2 cores): its tests are marked slow."""
    return CFModels.train(bundled_catalogue, params=CFParams(seed=0))


@pytest.fixture(scope="module")
def saved_dir(cf_models: CFModels, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cf_models.save(tmp_path_factory.mktemp("cf"))


def _genre_taste(catalogue: Catalogue) -> tuple[list[int], list[int], set[int], set[int]]:
    """Users who rate crime clearly above musicals (and the reverse), and the popular
    crime-not-musical and musical-not-crime items."""
    ratings = catalogue.ratings
    genres = {i: set(item.genres) for i, item in catalogue.items.items()}
    crime = {i for i, g in genres.items() if "Crime" in g and "Musical" not in g}
    musical = {i for i, g in genres.items() if "Musical" in g and "Crime" not in g}
    stats = {}
    for name, ids in (("crime", crime), ("musical", musical)):
        rows = ratings[ratings["item_id"].isin(ids)]
        stats[name] = rows.groupby("user_id")["rating"].agg(["count", "mean"])
    both = pd.merge(
        stats["crime"], stats["musical"], left_index=True, right_index=True, suffixes=("_c", "_m")
    )
    both = both[(both["count_c"] >= 10) & (both["count_m"] >= 3)]
    crime_fans = both[both["mean_c"] - both["mean_m"] >= 0.75].index.tolist()
    musical_fans = both[both["mean_m"] - both["mean_c"] >= 0.75].index.tolist()
    counts = ratings["item_id"].value_counts()
    popular = set(counts[counts >= 10].index.tolist())
    return crime_fans, musical_fans, crime & popular, musical & popular


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["svd", "knn"])
def test_predictions_follow_genre_taste(
    cf_models: CFModels, bundled_catalogue: Catalogue, algo: Algo
) -> None:
    """For users who rate crime well above musicals, unseen crime films are predicted higher than
    unseen musicals, on average; for musical lovers the gap is reversed or smaller."""
    crime_fans, musical_fans, crime, musical = _genre_taste(bundled_catalogue)
    assert len(crime_fans) >= 10 and len(musical_fans) >= 10

    def gap(user: int) -> float:
        seen = set(cf_models.rated_by(user))
        c = [cf_models.predict_user(user, i, algo) for i in crime - seen]
        m = [cf_models.predict_user(user, i, algo) for i in musical - seen]
        return float(np.mean(c) - np.mean(m))

    crime_gaps = [gap(u) for u in crime_fans]
    musical_gaps = [gap(u) for u in musical_fans]
    assert np.mean(crime_gaps) > 0.05
    assert np.mean(np.array(crime_gaps) > 0) >= 0.7
    assert np.mean(crime_gaps) - np.mean(musical_gaps) > 0.1


@pytest.mark.slow
def test_held_out_rmse_is_sane(cf_models: CFModels) -> None:
    metrics = cf_models.metrics
    assert 0.7 < metrics["svd_rmse"] < 0.9
    assert 0.7 < metrics["knn_rmse"] < 0.9
    assert metrics["knn_test_coverage"] > 0.8
    assert metrics["n_test"] == pytest.approx(10084, abs=1)


@pytest.mark.slow
def test_neighbours_and_priors(cf_models: CFModels, bundled_catalogue: Catalogue) -> None:
    top = cf_models.neighbours(TOY_STORY, 5)
    assert TOY_STORY_2 in [item for item, _ in top]
    assert all(s > 0 for _, s in top) and [s for _, s in top] == sorted((s for _, s in top), reverse=True)

    counts = bundled_catalogue.ratings["item_id"].value_counts()
    assert cf_models.popularity(SHAWSHANK) == counts[SHAWSHANK]
    mean = cf_models.mean_rating(SHAWSHANK)
    assert mean is not None
    damped = cf_models.damped_mean(SHAWSHANK)
    assert cf_models.global_mean < damped < mean
    unrated = next(i for i in bundled_catalogue.items if i not in counts.index)
    assert cf_models.popularity(unrated) == 0
    assert cf_models.damped_mean(unrated) == pytest.approx(cf_models.stats.global_mean)

    qi = cf_models.item_factors(TOY_STORY)
    assert qi.shape == (cf_models.manifest.params.svd_factors,)
    assert cf_models.items.raw(cf_models.item_inner(TOY_STORY)) == TOY_STORY


@pytest.mark.slow
def test_unknown_ids_cannot_be_scored(cf_models: CFModels) -> None:
    with pytest.raises(CannotScoreError):
        cf_models.predict_user(1, 999_999_999)
    with pytest.raises(CannotScoreError):
        cf_models.predict_user(999_999, TOY_STORY)


@pytest.mark.slow
def test_reload_gives_identical_predictions(cf_models: CFModels, saved_dir: Path) -> None:
    loaded = CFModels.load(saved_dir, expect_fingerprint=cf_models.fingerprint)
    rng = np.random.default_rng(0)
    users = rng.choice(cf_models.users.ids, 50)
    items = rng.choice(cf_models.items.ids, 50)
    for u in users:
        for i in items:
            for algo in ALGOS:
                try:
                    expected = cf_models.predict_user(int(u), int(i), algo)
                except CannotScoreError:
                    continue
                assert loaded.predict_user(int(u), int(i), algo) == expected
    assert loaded.neighbours(TOY_STORY, 20) == cf_models.neighbours(TOY_STORY, 20)
    assert loaded.manifest == cf_models.manifest
    assert np.array_equal(loaded.svd.qi, cf_models.svd.qi)


@pytest.mark.slow
def test_manifest_records_what_was_trained(saved_dir: Path, bundled_catalogue: Catalogue) -> None:
    manifest = json.loads((saved_dir / "manifest.json").read_text())
    assert manifest["fingerprint"] == ratings_fingerprint(bundled_catalogue.ratings)
    assert manifest["params"]["svd_factors"] == 100 and manifest["params"]["seed"] == 0
    assert set(manifest["metrics"]) >= {"svd_rmse", "knn_rmse"}
    assert manifest["created"] and manifest["n_ratings"] == len(bundled_catalogue.ratings)


def test_fingerprint_ignores_row_order(bundled_catalogue: Catalogue) -> None:
    ratings = bundled_catalogue.ratings
    shuffled = ratings.sample(frac=1.0, random_state=1)
    assert ratings_fingerprint(shuffled) == ratings_fingerprint(ratings)
    changed = ratings.copy()
    changed.loc[0, "rating"] = 0.5 if changed.loc[0, "rating"] != 0.5 else 1.0
    assert ratings_fingerprint(changed) != ratings_fingerprint(ratings)


def test_missing_model_dir_is_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="parley ingest") as info:
        CFModels.load(tmp_path / "nothing-here")
    assert info.value.store == "cf"


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate_arrays", "delete_arrays", "garble_manifest", "other_ratings"])
def test_corrupt_model_dir_is_store_unavailable(saved_dir: Path, tmp_path: Path, damage: str) -> None:
    target = tmp_path / "model"
    target.mkdir()
    for name in ("manifest.json", "arrays.npz"):
        (target / name).write_bytes((saved_dir / name).read_bytes())
    expect = None
    if damage == "truncate_arrays":
        data = (target / "arrays.npz").read_bytes()
        (target / "arrays.npz").write_bytes(data[: len(data) // 2])
    elif damage == "delete_arrays":
        (target / "arrays.npz").unlink()
    elif damage == "garble_manifest":
        (target / "manifest.json").write_text("{not json")
    else:
        expect = "0" * 64
    with pytest.raises(StoreUnavailableError, match="parley ingest"):
        CFModels.load(target, expect_fingerprint=expect)


def test_small_training_run_round_trips(small_catalogue: Catalogue, tmp_path: Path) -> None:
    params = CFParams(
        svd_factors=8, svd_epochs=5, knn_k=10, knn_keep_neighbours=20, test_fraction=0.0, seed=3
    )
    models = CFModels.train(small_catalogue, params=params)
    assert models.metrics == {}
    loaded = CFModels.load(models.save(tmp_path))
    users = pd.unique(small_catalogue.ratings["user_id"])[:20]
    pairs = [(int(u), TOY_STORY) for u in users]
    assert [loaded.predict_user(u, i) for u, i in pairs] == [models.predict_user(u, i) for u, i in pairs]
    assert loaded.manifest.params == params
