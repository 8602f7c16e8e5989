"""Each adapter on a tiny tree that mimics its real layout and naming."""

import numpy as np
import pytest
from _data_fixtures import H, W, label_with, write_label, write_png16, write_rgb

from adeada.data import (
    CamVidDataset,
    CityscapesDataset,
    GTA5Dataset,
    MissingFolderError,
    MissingLabelError,
    SizeMismatchError,
    SynthiaDataset,
    UnknownLabelValueError,
    camvid_preset,
)
from adeada.data.errors import EmptyDatasetError


def _check_contract(ds, n):
    assert len(ds) == n and ds.ignore_index == 255 and isinstance(ds.name, str)
    ids = [ds.image_id(i) for i in range(n)]
    assert len(set(ids)) == n
    for i in range(n):
        img, lbl = ds.load_image(i), ds.load_label(i)
        assert img.dtype == np.uint8 and img.shape == (H, W, 3)
        assert lbl.dtype == np.uint8 and lbl.shape == (H, W) == ds.label_size(i)
        assert isinstance(ds.cache_key(i), str)


@pytest.fixture
def cityscapes(tmp_path):
    root = tmp_path / "cityscapes"
    for city, frame in [("aachen", "000000_000019"), ("bremen", "000001_000019")]:
        stem = f"{city}_{frame}"
        write_rgb(root / "leftImg8bit" / "train" / city / f"{stem}_leftImg8bit.png")
        write_label(root / "gtFine" / "train" / city / f"{stem}_gtFine_labelIds.png", label_with([7, 26, 0, 33, 22, 23, 27, 6]))
    return root


def test_cityscapes(cityscapes):
    ds = CityscapesDataset(cityscapes, "train")
    _check_contract(ds, 2)
    assert ds.image_id(0) == "aachen_000000_000019" and len(ds.classes) == 19
    # ids 7, 26, 0, 33, 22, 23, 27, 6 -> road 0, car 13, ignore, bicycle 18, terrain 9, sky 10, truck 14, ignore.
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:8], [0, 13, 255, 18, 9, 10, 14, 255])


def test_cityscapes_classes16(cityscapes):
    ds = CityscapesDataset(cityscapes, "train", classes16=True)
    assert len(ds.classes) == 16 and ds.classes[9] == "sky"
    # terrain and truck vanish; sky is 9 and bicycle 15 in the 16-class space.
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:8], [0, 12, 255, 15, 255, 9, 255, 255])


def test_cityscapes_missing_label_and_folder(cityscapes, tmp_path):
    write_rgb(cityscapes / "leftImg8bit" / "train" / "aachen" / "aachen_000002_000019_leftImg8bit.png")
    with pytest.raises(MissingLabelError, match="aachen_000002_000019_gtFine_labelIds.png"):
        CityscapesDataset(cityscapes, "train")
    with pytest.raises(MissingFolderError, match=r"leftImg8bit.val"):
        CityscapesDataset(cityscapes, "val")
    assert issubclass(MissingFolderError, FileNotFoundError) and issubclass(MissingFolderError, ValueError)


@pytest.fixture
def gta5(tmp_path):
    root = tmp_path / "gta5"
    for k in (1, 2, 3):
        write_rgb(root / "images" / f"{k:05d}.png", seed=k)
        write_label(root / "labels" / f"{k:05d}.png", label_with([7, 24, 255, 1]), palette=True)
    return root


def test_gta5_palette_labels_and_list(gta5, tmp_path):
    ds = GTA5Dataset(gta5)
    _check_contract(ds, 3)
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:4], [0, 11, 255, 255])
    listing = tmp_path / "split.txt"
    listing.write_text("00003.png\n# a comment\n00001\n")
    ds = GTA5Dataset(gta5, list_file=listing)
    assert [ds.image_id(i) for i in range(len(ds))] == ["00003", "00001"]
    listing.write_text("00009.png\n")
    with pytest.raises(MissingLabelError, match="00009.png"):
        GTA5Dataset(gta5, list_file=listing)


def test_gta5_size_mismatch(gta5):
    write_rgb(gta5 / "images" / "00002.png", h=H + 2, w=W + 4)
    resized = GTA5Dataset(gta5)  # default policy: resize the image to its label
    assert resized.load_image(1).shape == (H, W, 3)
    strict = GTA5Dataset(gta5, on_size_mismatch="error")
    with pytest.raises(SizeMismatchError, match=r"00002.png.*10x20"):
        strict.load_image(1)
    with pytest.raises(SizeMismatchError, match=r"00002.png"):
        strict.load_label(1)


def test_synthia_16bit_channel0(tmp_path):
    root = tmp_path / "RAND_CITYSCAPES"
    write_rgb(root / "RGB" / "0000000.png")
    lab = np.zeros((H, W, 3), np.uint16)
    # 3 road, 21 wall, 0 void, 15 traffic light, and 259 = 256 + 3: a reader that kept only
    # the low byte would call it road, one that kept the high byte would call it sky (1).
    lab[..., 0] = label_with([3, 21, 0, 15, 259])
    lab[..., 1] = 1000  # instance ids live in the other channels
    write_png16(root / "GT" / "LABELS" / "0000000.png", lab)
    ds = SynthiaDataset(root)
    _check_contract(ds, 1)
    assert len(ds.classes) == 16 and ds.eval_classes13 == [0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:5], [0, 3, 255, 6, 255])
    (tmp_path / "partial" / "RGB").mkdir(parents=True)
    with pytest.raises(MissingFolderError, match=r"partial.GT.LABELS"):
        SynthiaDataset(tmp_path / "partial")


@pytest.fixture
def camvid(tmp_path):
    root = tmp_path / "camvid"
    names = {"train": ["0001TP_006690", "0006R0_f00930", "0016E5_00390"], "test": ["0001TP_008550", "Seq05VD_f00000"]}
    for split, stems in names.items():
        for k, stem in enumerate(stems):
            write_rgb(root / split / f"{stem}.png", seed=k)
            write_label(root / f"{split}annot" / f"{stem}.png", label_with([0, 10, 11, 3]))
    return root


def test_camvid_prefixes_and_presets(camvid):
    ds = CamVidDataset(camvid, "train", prefixes=["0006R0", "0016E5"])
    _check_contract(ds, 2)
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:4], [0, 10, 255, 3])
    assert len(CamVidDataset(camvid, "train")) == 3
    assert [camvid_preset(camvid, p).image_id(0) for p in ("dusk_pool", "dusk_test")] == [
        "train_0001TP_006690", "test_0001TP_008550"]
    with pytest.raises(EmptyDatasetError, match="XYZ"):
        CamVidDataset(camvid, "train", prefixes=["XYZ"])
    with pytest.raises(ValueError, match="unknown CamVid preset"):
        camvid_preset(camvid, "night")


def test_camvid_sequences_across_split_folders_and_halves_in_frame_order(camvid):
    for k, stem in enumerate(["0016E5_07959", "0016E5_00420"]):  # val frames of the train sequence
        write_rgb(camvid / "val" / f"{stem}.png", seed=k)
        write_label(camvid / "valannot" / f"{stem}.png", label_with([0, 1]))
    ids = lambda ds: [ds.image_id(i) for i in range(len(ds))]  # noqa: E731
    both = CamVidDataset(camvid, ["train", "val"], ["0016E5"])
    assert ids(both) == ["train_0016E5_00390", "val_0016E5_00420", "val_0016E5_07959"]  # folder by folder
    first = CamVidDataset(camvid, ["train", "val"], ["0016E5"], frames="first_half")
    second = CamVidDataset(camvid, ["train", "val"], ["0016E5"], frames="second_half")
    # frame order across the two folders: 00390 (train), 00420 (val) | 07959 (val); the odd frame goes first
    assert ids(first) == ["train_0016E5_00390", "val_0016E5_00420"] and ids(second) == ["val_0016E5_07959"]
    # halves are taken per sequence
    two = CamVidDataset(camvid, ["train", "val"], ["0006R0", "0016E5"], frames="second_half")
    assert ids(two) == ["val_0016E5_07959"]  # 0006R0's one frame is its first half
    with pytest.raises(ValueError, match="frames='middle'"):
        CamVidDataset(camvid, "train", ["0016E5"], frames="middle")


def test_camvid_unknown_value(camvid):
    write_label(camvid / "trainannot" / "0006R0_f00930.png", label_with([0, 12, 40]))
    ds = CamVidDataset(camvid, "train", prefixes=["0006R0"])
    with pytest.raises(UnknownLabelValueError, match=r"0006R0_f00930.png.*12, 40"):
        ds.load_label(0)


def test_a_new_layout_is_one_builder_plus_its_registry_lines(monkeypatch):
    import dataclasses

    from adeada.config import load_run_config
    from adeada.data import LAYOUTS, build_dataset, demo
    from adeada.data.config import LAYOUT_SECTIONS

    def small_demo(cfg):
        """A toy layout: the demo domains at a fixed small size."""
        return demo.from_config(dataclasses.replace(cfg, demo=dataclasses.replace(cfg.demo, size=[16, 24])))

    monkeypatch.setitem(LAYOUTS, "small_demo", small_demo)  # the registry line
    monkeypatch.setitem(LAYOUT_SECTIONS, "small_demo", ("demo",))  # and the section it reads
    cfg = load_run_config(None, ["data.target_pool.kind=small_demo"])  # the config check accepts it
    ds = build_dataset(cfg.data.target_pool)
    assert ds.load_image(0).shape == (16, 24, 3) and len(ds) == cfg.data.target_pool.demo.n_source
    monkeypatch.delitem(LAYOUTS, "small_demo")
    with pytest.raises(ValueError, match="data.target_pool.kind='small_demo'; expected one of cityscapes"):
        load_run_config(None, ["data.target_pool.kind=small_demo"])


def test_every_layout_reads_only_its_own_section_and_the_common_fields(cityscapes, gta5, camvid, tmp_path):
    """Walk LAYOUTS: build each layout from a tiny tree with a config that notes what is read. The
    common fields are read by every layout; a section's fields by its own layout only (so no
    field of data.X is read by some kinds and not others)."""
    import dataclasses

    from adeada.data import LAYOUTS, build_dataset
    from adeada.data.config import (
        LAYOUT_SECTIONS, CamVidOptions, CityscapesOptions, DatasetConfig, FolderOptions, GTA5Options, SynthiaOptions,
    )
    from tests.recording import recording

    synthia = tmp_path / "synthia"
    write_rgb(synthia / "RGB" / "0000000.png")
    write_png16(synthia / "GT" / "LABELS" / "0000000.png", np.zeros((H, W, 3), np.uint16))
    folder = tmp_path / "folder"
    write_rgb(folder / "img" / "a.png")
    write_label(folder / "gt" / "a.png", label_with([0, 1]))
    configs = {
        "cityscapes": DatasetConfig(kind="cityscapes", cityscapes=CityscapesOptions(root=str(cityscapes))),
        "gta5": DatasetConfig(kind="gta5", gta5=GTA5Options(root=str(gta5))),
        "synthia": DatasetConfig(kind="synthia", synthia=SynthiaOptions(root=str(synthia))),
        "camvid": DatasetConfig(kind="camvid", camvid=CamVidOptions(root=str(camvid), split="test")),
        "folder": DatasetConfig(kind="folder", folder=FolderOptions(images_dir=str(folder / "img"),
                                                                    labels_dir=str(folder / "gt"), classes=["a", "b"])),
        "demo": DatasetConfig(kind="demo"),
    }
    assert set(configs) == set(LAYOUTS) == set(LAYOUT_SECTIONS)
    sections = set(LAYOUT_SECTIONS)
    for kind, cfg in configs.items():
        seen: set[str] = set()
        rec = recording(cfg, seen)
        seen.clear()
        assert len(build_dataset(rec)) >= 1
        assert {"kind", "max_images"} <= seen, kind
        foreign = {s.split(".")[0] for s in seen if "." in s} - set(LAYOUT_SECTIONS[kind])
        assert not foreign & sections, f"layout {kind} reads {sorted(foreign)}"
        assert any(s.startswith(f"{kind}.") for s in seen), f"layout {kind} reads nothing of its own section"
    assert [f.name for f in dataclasses.fields(DatasetConfig) if f.name not in sections] == ["kind", "max_images"]


def test_a_setting_of_another_layout_is_one_line_naming_the_kind(tmp_path, caplog):
    from adeada.config import load_run_config
    from adeada.configtools import ConfigError

    with pytest.raises(ConfigError) as err:
        load_run_config(None, ["data.source.camvid.root=/x"])
    assert str(err.value) == "--set override: data.source.camvid.root='/x' is read only by kind camvid, not by kind 'demo'"
    old = tmp_path / "old.yaml"  # the flat layout of configs written before the sections
    old.write_text("data:\n  source: {kind: camvid, root: /data/camvid, preset: day_train, list_file: null}\n")
    with caplog.at_level("WARNING"):
        cfg = load_run_config(old)
    assert (cfg.data.source.camvid.root, cfg.data.source.camvid.preset) == ("/data/camvid", "day_train")
    assert [r.getMessage().split(": ", 2)[-1] for r in caplog.records] == [
        "data.source.root -> data.source.camvid.root; rename it", "data.source.preset -> data.source.camvid.preset; rename it"]
    old.write_text("data:\n  source: {kind: camvid, root: /data/camvid, list_file: my.txt}\n")
    with pytest.raises(ConfigError, match=r"data\.source\.list_file='my\.txt' is read only by kind gta5 or synthia, "
                                          r"not by kind 'camvid'"):
        load_run_config(old)


def test_a_variant_that_switches_the_layout_does_not_inherit_the_old_layouts_settings(tmp_path):
    from adeada.config import load_run_config

    variant = tmp_path / "v.yaml"
    variant.write_text("base: camvid_day_dusk\n"
                       "data:\n  target_pool: {kind: folder, folder: {images_dir: /a, labels_dir: /b, classes: [x]}}\n")
    cfg = load_run_config(variant)
    assert cfg.data.target_pool.kind == "folder" and cfg.data.target_pool.camvid.root is None
    assert cfg.data.source.camvid.preset == "day_train"  # the other datasets keep the base's
    cfg = load_run_config("camvid_day_dusk", ["data.target_test.kind=folder", "data.target_test.folder.images_dir=/a"])
    assert cfg.data.target_test.camvid.preset is None and cfg.data.target_test.folder.images_dir == "/a"
    # the same for the density step's estimator: a file's section of the replaced estimator is
    # forgotten, while one given on the same command line as the switch is refused (it would be ignored)
    pca = tmp_path / "pca.yaml"
    pca.write_text("selection: {density: {estimator: pca_gmm, pca_gmm: {dim: 8}}}\n")
    assert load_run_config(pca, ["selection.density.estimator=gmm_diag"]).selection.density.pca_gmm.dim == 32
    with pytest.raises(ValueError, match="pca_gmm.dim=8 is read only by estimator pca_gmm"):
        load_run_config(pca, ["selection.density.pca_gmm.dim=8", "selection.density.estimator=gmm_diag"])
    # ... but not a section ADeADA+'s own estimator still reads (gmm_full_fast by default)
    fast = tmp_path / "fast.yaml"
    fast.write_text("selection: {density: {estimator: gmm_full_fast, gmm_full_fast: {max_iter: 4}}}\n")
    assert load_run_config(fast, ["selection.density.estimator=gmm_diag"]).selection.density.gmm_full_fast.max_iter == 4
    null = tmp_path / "null.yaml"
    null.write_text("selection: {adeada_plus: {estimator: null}, density: {estimator: gmm_full_fast, "
                    "gmm_full_fast: {max_iter: 4}}}\n")
    assert load_run_config(null, ["selection.density.estimator=gmm_diag"]).selection.density.gmm_full_fast.max_iter == 2


def test_an_old_variant_over_a_new_base_and_an_old_folder_beside_the_demo_defaults_load(tmp_path, caplog):
    """A variant in the flat layout overrides its base's (new-layout) settings, the kind coming
    from the base where it names none; an old run folder's config whose kind was switched away
    from the demo config keeps its never-read demo section no more."""
    from adeada.config import load_run_config

    variant = tmp_path / "v.yaml"
    variant.write_text("base: camvid_day_dusk\ndata:\n  source: {kind: camvid, root: /my/camvid, preset: not_0006r0}\n"
                       "  target_pool: {preset: 0006r0_pool}\n")
    cfg = load_run_config(variant)
    assert (cfg.data.source.camvid.root, cfg.data.source.camvid.preset) == ("/my/camvid", "not_0006r0")
    assert (cfg.data.target_pool.camvid.root, cfg.data.target_pool.camvid.preset) == ("../shared/data/camvid", "0006r0_pool")
    old = tmp_path / "old_run.yaml"
    old.write_text("data:\n  source: {kind: folder, images_dir: /i, labels_dir: /l, classes: [a], root: null,\n"
                   "           demo: {which: pool, n_pool: 80}}\n")
    with caplog.at_level("WARNING"):
        cfg = load_run_config(old)
    assert cfg.data.source.folder.images_dir == "/i" and cfg.data.source.demo.which == "source"
    assert any("data.source.demo (never read under kind 'folder') dropped" in r.getMessage() for r in caplog.records)


def test_old_data_overrides_read_the_kind_of_the_same_command_line_whatever_the_order():
    from adeada.config import load_run_config
    from adeada.configtools import ConfigError

    for order in (["data.source.images_dir=/x", "data.source.kind=folder"], ["data.source.kind=folder", "data.source.images_dir=/x"]):
        assert load_run_config(None, order).data.source.folder.images_dir == "/x"
    with pytest.raises(ConfigError, match=r"--set data\.source\.root: a setting of kind camvid or cityscapes or gta5 or "
                                          r"synthia \(data\.source\.<kind>\.root\), not of kind 'demo'"):
        load_run_config(None, ["data.source.root=/x"])
