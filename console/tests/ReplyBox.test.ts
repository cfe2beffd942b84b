import { describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import ReplyBox from "../src/components/ReplyBox.vue";

const canned = [
  { id: 1, title: "问候", text: "您好，我是人工客服。" },
  { id: 2, title: "请发照片", text: "麻烦您拍一下商品问题的照片发给我。" },
];

describe("ReplyBox", () => {
  it('lists canned replies after "/", inserts the chosen one with Enter, sends with the next', async () => {
    const wrapper = mount(ReplyBox, { props: { canned }, attachTo: document.body });
    const box = wrapper.find("textarea");
    await box.setValue("/");
    expect(wrapper.findAll(".canned-item")).toHaveLength(2);
    await box.setValue("/照片");
    expect(wrapper.findAll(".canned-item").map((i) => i.find(".canned-title").text())).toEqual(["请发照片"]);
    await box.trigger("keydown", { key: "Enter" });
    expect((box.element as HTMLTextAreaElement).value).toBe("麻烦您拍一下商品问题的照片发给我。");
    expect(wrapper.find(".canned-menu").exists()).toBe(false);
    expect(wrapper.emitted("send")).toBeUndefined();
    await box.trigger("keydown", { key: "Enter" });
    expect(wrapper.emitted("send")).toEqual([["麻烦您拍一下商品问题的照片发给我。"]]);
    wrapper.unmount();
  });

  it("does not send on Shift+Enter, an empty box, or while the chat is not mine", async () => {
    const wrapper = mount(ReplyBox, { props: { canned } });
    const box = wrapper.find("textarea");
    await box.setValue("第一行");
    await box.trigger("keydown", { key: "Enter", shiftKey: true });
    expect(wrapper.emitted("send")).toBeUndefined();
    await box.setValue("   ");
    await box.trigger("keydown", { key: "Enter" });
    expect(wrapper.emitted("send")).toBeUndefined();
    await wrapper.setProps({ disabled: true });
    await box.setValue("你好");
    await box.trigger("keydown", { key: "Enter" });
    expect(wrapper.emitted("send")).toBeUndefined();
  });

  it("moves through the list with the arrow keys and closes it with Esc", async () => {
    const wrapper = mount(ReplyBox, { props: { canned } });
    const box = wrapper.find("textarea");
    await box.setValue("/");
    await box.trigger("keydown", { key: "ArrowDown" });
    expect(wrapper.findAll(".canned-item")[1]?.classes()).toContain("active");
    await box.trigger("keydown", { key: "Escape" });
    expect(wrapper.find(".canned-menu").exists()).toBe(false);
  });
});
