"""js/zips.js in the browser: the worker's own unzipping of NumPy's wheel and of the .npz
files (DecompressionStream), checked against Python's zipfile and NumPy."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
import pytest

RUN_JS = """async ([path, mode]) => {
  const zips = await import("/js/zips.js");
  const bytes = new Uint8Array(await (await fetch(path)).arrayBuffer());
  const b64 = (b) => { let s = ""; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192)); return btoa(s); };
  try {
    if (mode === "stored") return { ok: true, zip: b64(await zips.storedCopy(bytes)) };
    if (mode === "damaged") { bytes[bytes.length >> 1] ^= 0xff; return { ok: true, zip: b64(await zips.storedCopy(bytes)) }; }
    if (mode === "truncated") { await zips.unzip(bytes.subarray(0, bytes.length >> 1)); return { ok: true }; }
    const files = await zips.unzip(bytes);
    return { ok: true, files: files.map((f) => [f.path, f.bytes.length, Array.from(f.bytes.subarray(0, 16))]) };
  } catch (err) {
    return { ok: false, error: String(err?.message ?? err) };
  }
}"""


def run(page, base_url, path, mode):
    page.goto(base_url + "__tests__/client.html")
    return page.evaluate(RUN_JS, [f"/{path}", mode])


@pytest.mark.parametrize("path", ["data/mnist-10k.npz", "models/knn-features.npz",
                                  "models/mlp-default.npz"])
def test_a_stored_copy_of_each_npz_has_the_same_arrays_and_no_deflated_member(
        page, base_url, site_dir, path):
    result = run(page, base_url, path, "stored")
    assert result["ok"], result
    copy = zipfile.ZipFile(io.BytesIO(base64.b64decode(result["zip"])))
    assert copy.testzip() is None  # every CRC-32 right
    assert {info.compress_type for info in copy.infolist()} == {zipfile.ZIP_STORED}
    with np.load(site_dir / path) as original, np.load(io.BytesIO(base64.b64decode(result["zip"]))) as stored:
        assert sorted(stored.files) == sorted(original.files)
        for name in original.files:
            np.testing.assert_array_equal(stored[name], original[name])


def test_numpys_wheel_unzips_to_what_pythons_zipfile_reads(page, base_url, site_dir):
    manifest = json.loads((site_dir / "py" / "manifest.json").read_text())
    result = run(page, base_url, manifest["numpy"]["file"], "unzip")
    assert result["ok"], result
    with zipfile.ZipFile(site_dir / manifest["numpy"]["file"]) as wheel:
        expected = {i.filename: (i.file_size, list(wheel.read(i)[:16]))
                    for i in wheel.infolist() if not i.is_dir()}
    assert {path: (size, head) for path, size, head in result["files"]} == expected


def test_a_damaged_or_cut_archive_is_refused_not_half_read(page, base_url):
    # raw deflate has no checksum: a damaged member is refused by the inflater, or else by
    # the CRC-32 the copy keeps from the original, when Python reads it (never wrong digits)
    damaged = run(page, base_url, "data/mnist-10k.npz", "damaged")
    if damaged["ok"]:
        copy = zipfile.ZipFile(io.BytesIO(base64.b64decode(damaged["zip"])))
        assert copy.testzip() == "X.npy"
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            np.load(io.BytesIO(base64.b64decode(damaged["zip"])))["X"]
    truncated = run(page, base_url, "models/mlp-default.npz", "truncated")
    assert not truncated["ok"] and "zip" in truncated["error"]
