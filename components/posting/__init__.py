"""Getting a finished video ready to post: captions, other shapes, all made on this machine."""
