"""`kiosk say TEXT [--out FILE.wav] [--voice-pack DIR] [--id PROMPT_ID]`: a technician's
sound check. Renders the text as the kiosk would speak it (the prompt pack's recording
when it has ``--id``, espeak-ng's Mandarin voice otherwise), personal data masked, then
writes it to a WAV file or plays it on the configured ALSA device."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kiosk.config import SITE_CONFIG, load_config
from kiosk.voice.player import AplayPlayer
from kiosk.voice.render import Renderer, VoiceError
from kiosk.voice.settings import VoiceSettings
from kiosk.voice.voice import spoken_form

EXIT_OK, EXIT_FAIL = 0, 1


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    say = sub.add_parser("say", help="speak a prompt, or render it to a WAV file (sound check)")
    say.add_argument("text", help="the words, e.g. 请将身份证放在读卡区")
    say.add_argument("--out", metavar="FILE.wav", help="write the WAV here instead of playing it")
    say.add_argument("--voice-pack", metavar="DIR", help="folder of recorded prompts <id>.wav (default: [voice] pack)")
    say.add_argument("--id", dest="prompt_id", default="say", metavar="PROMPT_ID",
                     help="the prompt's id: its recording in the pack is used when there is one")
    say.add_argument("--volume", type=int, metavar="0-100", help="default: [voice] volume")
    say.add_argument("--device", metavar="ALSA", help="ALSA device to play on (default: [voice] device)")


def _settings(config_path: str | None) -> VoiceSettings:
    """[voice] of the site configuration; the defaults on a machine that has none yet
    (a technician checking the speakers before the site file is written)."""
    if config_path is None and not os.environ.get("TONGBAN_CONFIG") and not SITE_CONFIG.exists():
        return VoiceSettings()
    return load_config(config_path).voice   # a broken file: ConfigError, reported by main


def _fail(message: str) -> int:
    print(f"kiosk say: {message}", file=sys.stderr)
    return EXIT_FAIL


def run(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    volume = settings.volume if args.volume is None else args.volume
    if not 0 <= volume <= 100:
        return _fail(f"音量必须在 0 到 100 之间（收到 {volume}）。请改用例如 --volume 80。")
    pack = Path(args.voice_pack) if args.voice_pack else settings.pack
    if pack is not None and not pack.is_dir():
        return _fail(f"找不到语音包目录：{pack}。请检查路径，或去掉 --voice-pack 改用语音合成。")
    renderer = Renderer(pack, settings.espeak_voice, settings.rate, settings.pitch)
    try:
        audio = renderer.render(args.prompt_id, spoken_form(args.text)).scaled(volume)
        wav = audio.wav()
        if args.out:
            return _write(Path(args.out), wav, audio.seconds)
        device = args.device or settings.device
        playback = AplayPlayer(device, keep_errors=True).start(wav)
        playback.wait()
    except VoiceError as err:
        return _fail(str(err))
    if playback.proc.returncode != 0:
        last = (playback.errors().splitlines() or ["?"])[-1][:200]
        return _fail(f"无法播放：声音设备 {device!r} 打不开（aplay：{last}）。"
                     "请用 aplay -L 列出设备，再设置 [voice] device 或加 --device，例如 plughw:0,0。")
    return EXIT_OK


def _write(path: Path, wav: bytes, seconds: float) -> int:
    try:
        path.write_bytes(wav)
    except OSError as err:
        return _fail(f"无法写入 {path}：{err.strerror}。请换一个可写的路径（例如 /tmp/say.wav）或检查目录权限。")
    print(f"已写入 {path}（{seconds:.2f} 秒）", file=sys.stderr)
    return EXIT_OK
