"""The UCI spam loaders and the data folder the tutorials read."""

from __future__ import annotations

import pytest

from weaklab.datasets import DataNotFoundError, data_home, load_sms_messages, load_youtube_comments, locate

HEADER = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"


def test_youtube_comments_keep_file_order_video_and_class(tmp_path):
    (tmp_path / "Youtube02-KatyPerry.csv").write_text(HEADER + 'c3,Cy,2014-01-01,"nice, really",0\n')
    (tmp_path / "Youtube01-Psy.csv").write_text(HEADER + "c1,Al,2013-01-01,sub to me,1\nc2,Bo,2013-01-02,great,0\n")
    frame = load_youtube_comments(tmp_path)
    assert frame["comment_id"].tolist() == ["c1", "c2", "c3"]
    assert frame["video"].tolist() == ["Psy", "Psy", "KatyPerry"]
    assert frame["text"].tolist() == ["sub to me", "great", "nice, really"]
    assert frame["gold"].tolist() == [1, 0, 0]


def test_youtube_bad_class_names_the_file_and_line(tmp_path):
    (tmp_path / "Youtube01-Psy.csv").write_text(HEADER + "c1,Al,2013,ok,1\nc2,Bo,2013,hm,spam\n")
    with pytest.raises(ValueError, match=r"Youtube01-Psy\.csv, row at line 3: CLASS must be 0 or 1"):
        load_youtube_comments(tmp_path)


def test_youtube_wrong_columns_are_rejected(tmp_path):
    (tmp_path / "Youtube01-Psy.csv").write_text("id,text,label\n1,hi,0\n")
    with pytest.raises(ValueError, match="expected the columns"):
        load_youtube_comments(tmp_path)


def test_youtube_without_files_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_youtube_comments(tmp_path)


def test_sms_messages_and_a_bad_line(tmp_path):
    path = tmp_path / "SMSSpamCollection"
    path.write_text("ham\thello there\nspam\tWIN\tnow\n")
    frame = load_sms_messages(path)
    assert frame["text"].tolist() == ["hello there", "WIN\tnow"]
    assert frame["gold"].tolist() == [0, 1]
    path.write_text("ham\tok\nphishing\tclick\n")
    with pytest.raises(ValueError, match="line 2"):
        load_sms_messages(tmp_path)


def test_real_collections_have_the_documented_sizes(shared_data):
    youtube = load_youtube_comments(shared_data / "nhbess_weak_supervision_tutorial" / "youtube_raw")
    assert (len(youtube), int(youtube["gold"].sum())) == (1956, 1005)
    sms = load_sms_messages(shared_data / "uci_sms_spam_collection" / "sms_raw")
    assert (len(sms), int(sms["gold"].sum())) == (5574, 747)


def test_locate_uses_weaklab_data_and_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("WEAKLAB_DATA", str(tmp_path))
    assert data_home() == tmp_path
    with pytest.raises(DataNotFoundError, match=r"youtube_raw.*Get the UCI YouTube"):
        locate("youtube_raw", source="the UCI YouTube Spam Collection")
    (tmp_path / "youtube_raw").mkdir()
    with pytest.raises(DataNotFoundError):  # an empty folder is not the data set
        locate("youtube_raw", source="x")
    (tmp_path / "youtube_raw" / "Youtube01-Psy.csv").write_text(HEADER)
    assert locate("youtube_raw", source="x") == tmp_path / "youtube_raw"
    with pytest.raises(ValueError, match="inside the data folder"):
        locate("../elsewhere", source="x")


def test_data_home_defaults_to_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("WEAKLAB_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_home() == tmp_path / "weaklab_data"
