"""Folders stay bounded and writable; a visitor is who the proxy or the sign-in says, never what a caller claims."""

from __future__ import annotations

import os
import time

import pytest

from app import build_studio
from components.config.settings import Storage
from components.errors import SettingsError
from components.history.storage import DiskBudget, data_folder, ensure_writable
from components.spending.identity import Identities, Visitor, payer_of
from tests.helpers import SERVER_KEY, fast_settings


def test_videos_are_swept_by_age_then_oldest_first_by_size(tmp_path):
    now = time.time()
    for name, age_hours, megabytes in (("old", 80, 1), ("a", 3, 2), ("b", 2, 2), ("c", 1, 2)):
        video = tmp_path / f"{name}.mp4"
        video.write_bytes(b"\0" * megabytes * 1_000_000)
        os.utime(video, (now - age_hours * 3600, now - age_hours * 3600))
    deleted = DiskBudget(Storage(keep_videos_hours=72, max_mb=5), tmp_path).sweep(now=now)
    assert sorted(path.name for path in deleted) == ["a.mp4", "old.mp4"]
    assert sorted(path.name for path in tmp_path.glob("*.mp4")) == ["b.mp4", "c.mp4"]


def test_a_folder_that_cannot_be_written_stops_the_app_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SettingsError, match=r"a-file/videos \(finished videos\) is not writable"):
        ensure_writable(blocker / "videos", "finished videos")
    with pytest.raises(SettingsError, match=r"\(the spend ledger\) is not writable"):
        build_studio(fast_settings(), SERVER_KEY, tmp_path / "videos", data_dir=blocker / "data", environ={})


def test_the_data_folder_comes_from_the_environment_or_the_cache(tmp_path):
    chosen = data_folder({"KLING_STUDIO_DATA": str(tmp_path)})
    assert chosen.path == tmp_path and chosen.survives_restart
    fallback = data_folder({"XDG_CACHE_HOME": str(tmp_path), "SPACE_ID": "me/studio"})
    if fallback.why == "the user's cache folder":  # no writable /data on this machine
        assert fallback.path == tmp_path / "kling-avatar-studio" and not fallback.survives_restart


def test_a_signed_in_visitor_is_their_account_whatever_the_headers_say():
    for rule in (Identities(), Identities(on_space=True), Identities(trusted_proxies=("10.0.0.0/8",))):
        assert rule.visitor("alice", "10.0.0.1", "1.2.3.4") == Visitor("hf:alice", signed_in=True)


def test_off_a_space_forwarded_headers_count_only_from_a_proxy_the_owner_trusts():
    plain = Identities()
    assert plain.visitor(None, "127.0.0.1", "203.0.113.9").id == "ip:127.0.0.1"  # a script's claim
    assert plain.visitor(None, "198.51.100.4", "203.0.113.9, 127.0.0.1").id == "ip:198.51.100.4"
    proxied = Identities(trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    # The client wrote "1.1.1.1"; the owner's proxies appended what they saw: only that counts.
    assert proxied.visitor(None, "127.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.5").id == "ip:203.0.113.9"
    assert proxied.visitor(None, "198.51.100.4", "203.0.113.9").id == "ip:198.51.100.4"  # not from a proxy
    assert proxied.visitor(None, "127.0.0.1", None).id == "ip:127.0.0.1"


def test_on_a_space_the_hop_hugging_faces_proxy_appends_counts_never_the_clients_own():
    space = Identities(on_space=True)
    assert space.visitor(None, "10.0.0.1", "1.2.3.4, 203.0.113.9").id == "ip:203.0.113.9"
    assert space.visitor(None, "10.0.0.1", "203.0.113.9").id == "ip:203.0.113.9"
    assert space.visitor(None, "10.0.0.1", "").id == "ip:10.0.0.1"


def test_the_payer_of_a_visitor_key_is_a_digest_never_the_key():
    visitor = Visitor("ip:127.0.0.1", signed_in=False)
    payer = payer_of(visitor, "key-id:secret")
    assert payer.startswith("key:") and "secret" not in payer
    assert payer_of(visitor, None) == "owner:ip:127.0.0.1"
