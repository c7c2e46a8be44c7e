"""Voice prompts: the screens' instructions and errors spoken in plain Mandarin (a recorded
prompt pack where present, espeak-ng otherwise), on the voice's own thread.

``voice.Voice`` is what the terminal offers the screens as ``Terminal.voice``; ``render``
makes the sound, ``player`` plays it, ``settings`` is the ``[voice]`` section. Nothing is
imported here: the configuration imports ``settings`` without loading numpy.
"""
