"""The baseline: a bare Gradio Blocks app with the studio's components and trivial handlers."""

import gradio as gr

from components.web.panels import EXAMPLES


def estimate_cost(audio: str | None, model: str) -> str:
    return "ok"


def generate(image: str | None, audio: str | None, prompt: str, model: str, fal_key: str) -> tuple[None, str]:
    return None, "ok"


with gr.Blocks(title="bare") as demo:
    gr.Markdown("# bare")
    with gr.Row():
        with gr.Column():
            image = gr.Image(type="filepath", sources=["upload", "webcam", "clipboard"], height=320)
            audio = gr.Audio(type="filepath", sources=["upload", "microphone"])
            model = gr.Dropdown(choices=["a", "b", "c"], value="a")
            prompt = gr.Textbox(value=".")
            with gr.Accordion("key"):
                fal_key = gr.Textbox(type="password", value="")
            estimate = gr.Markdown()
            with gr.Row():
                button = gr.Button("Generate")
                gr.Button("Stop")
            gr.Markdown()
            gr.Examples([[str(EXAMPLES / "person.png"), str(EXAMPLES / "hello.mp3"), "."]], [image, audio, prompt])
        with gr.Column():
            video = gr.Video(height=420)
            status = gr.Markdown()
            with gr.Accordion("runs"):
                gr.BrowserState([])
                gr.Dropdown(choices=[], type="index")
                gr.Button("Open")
                gr.Textbox()
                gr.Button("Recover")
    gr.State(None)
    audio.change(estimate_cost, [audio, model], estimate, api_name="estimate_cost", preprocess=False)
    button.click(
        generate, [image, audio, prompt, model, fal_key], [video, status], api_name="generate", preprocess=False
    )

if __name__ == "__main__":
    demo.queue().launch()
